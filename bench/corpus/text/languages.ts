/**
 * Chat vocabulary of the non-English languages of the corpus (German, French, Spanish, Russian,
 * Chinese, Japanese) and emoji: per language, templates with {slot}s, slot word lists, short
 * replies and mood texts. Dozens of entries each, so composed texts vary.
 */

import { ENGLISH_SHORT, ENGLISH_SHORT_TEMPLATES, ENGLISH_SLOTS, ENGLISH_TEMPLATES } from './english.js';

/** Everything needed to compose text in one language. */
export interface Vocabulary {
  /** Sentence templates; {slot} names a list in `slots`. */
  readonly templates: readonly string[];
  readonly slots: Readonly<Record<string, readonly string[]>>;
  /** Short replies, as is. */
  readonly short: readonly string[];
  /** Short templates. */
  readonly shortTemplates: readonly string[];
  /** Mood texts. */
  readonly moods: readonly string[];
  /** Joins sentences: a space, or nothing for Chinese and Japanese. */
  readonly sentenceGap: string;
}

/** A language of the corpus. */
export type Language = 'en' | 'de' | 'fr' | 'es' | 'ru' | 'zh' | 'ja';

/** Emoji, many outside the BMP, some with skin tones, ZWJ sequences and flags. */
export const EMOJI: readonly string[] = [
  '😀', '😂', '🤣', '😊', '😍', '😘', '😎', '🤔', '😅', '😢', '😭', '😡', '😴', '🙄', '😬', '🥳', '🥲',
  '🤯', '🤗', '🙈', '👍', '👍🏽', '👎', '👏', '🙏', '🙏🏻', '💪', '👋', '👌', '✌️', '❤️', '💔', '💯', '🔥',
  '✨', '🎉', '🎂', '🍕', '🍣', '🍺', '☕', '🌧️', '☀️', '❄️', '🚆', '✈️', '🚗', '🏖️', '🏔️', '⚽',
  '🎸', '📞', '📷', '💻', '📅', '⏰', '🐶', '🐱', '🌸', '🇩🇪', '🇫🇷', '🇪🇸', '🇯🇵', '👨‍👩‍👧', '🧑‍💻', '🤷‍♀️',
];

const GERMAN: Vocabulary = {
  sentenceGap: ' ',
  slots: {
    name: ['Jonas', 'Lea', 'Lukas', 'Jürgen', 'Anke', 'Sören', 'Mia', 'Björn', 'Käthe', 'Uwe', 'Jörg', 'Frieda'],
    ort: ['am Bahnhof', 'im Büro', 'beim Bäcker', 'im Café', 'an der Ecke', 'im Park', 'zu Hause', 'im Zug', 'bei Oma', 'im Supermarkt', 'am Flughafen', 'in der Küche', 'vor dem Kino', 'an der Haltestelle'],
    ding: ['den Schlüssel', 'das Ladekabel', 'die Fahrkarten', 'den Regenschirm', 'die Unterlagen', 'das Geschenk', 'die Brötchen', 'den Kuchen', 'das Paket', 'die Rechnung', 'den Reisepass', 'die Präsentation'],
    zeit: ['morgen früh', 'heute Abend', 'gleich', 'nächste Woche', 'am Wochenende', 'übermorgen', 'nach dem Essen', 'um halb acht', 'gegen Mittag', 'später'],
    adj: ['schön', 'anstrengend', 'großartig', 'schrecklich', 'gemütlich', 'überfüllt', 'teuer', 'lecker', 'spät', 'müde', 'fröhlich', 'nervös'],
    tat: ['abholen', 'mitbringen', 'vergessen', 'bezahlen', 'anrufen', 'reservieren', 'ausdrucken', 'überprüfen', 'vorbeibringen', 'einpacken'],
    ereignis: ['das Konzert', 'die Besprechung', 'die Prüfung', 'das Spiel', 'der Geburtstag', 'die Hochzeit', 'der Umzug', 'das Grillfest'],
  },
  templates: [
    'Ich bin {zeit} {ort}.',
    'Kannst du {ding} {tat}?',
    '{name} hat {ding} schon wieder {ort} liegen lassen.',
    'Wir treffen uns {zeit} {ort}, okay?',
    '{ereignis} war wirklich {adj}!',
    'Ich muss noch {ding} {tat}, dann komme ich.',
    'Hast du {zeit} Zeit? Ich würde gern über {ereignis} reden.',
    'Der Zug hat Verspätung, ich bin {zeit} da.',
    'Vergiss bitte nicht, {ding} {tat}.',
    'Das Wetter ist heute {adj}, also bleiben wir {ort}.',
    'Grüße an {name}, wir sehen uns {zeit}.',
    'Ich habe {ding} gefunden, es lag {ort}.',
    'Findest du {ereignis} auch so {adj}?',
    'Schöne Grüße aus dem Urlaub, hier ist alles {adj}.',
  ],
  short: ['ok', 'ja', 'nein', 'danke!', 'bin unterwegs', 'gleich da', 'alles klar', 'super', 'tschüss', 'gute Nacht', 'bis später', 'genau', 'schön!', 'na klar', 'Grüße', 'geht’s dir gut?', 'bin spät dran', 'hör mal', 'prima', 'Frohe Weihnachten!'],
  shortTemplates: ['bin {zeit} da', 'bin {ort}', '{name} ist schon da', '{ereignis}?'],
  moods: ['im Büro', 'Urlaub bis Montag ☀️', 'bitte nicht stören', 'unterwegs', 'krank zu Hause 🤒', 'beim Sport', 'Homeoffice', 'auf Dienstreise', 'müde, aber glücklich', 'Prüfungsphase 📚', 'in München bis Freitag', 'grüße aus Köln'],
};

const FRENCH: Vocabulary = {
  sentenceGap: ' ',
  slots: {
    name: ['Léa', 'Hugo', 'Chloé', 'Théo', 'Zoé', 'Noé', 'Amélie', 'François', 'Hélène', 'Jérôme', 'Cécile', 'Benoît'],
    lieu: ['à la gare', 'au bureau', 'à la boulangerie', 'au café', 'chez moi', 'au parc', 'dans le train', 'chez ma mère', "à l'aéroport", 'au marché', 'devant le cinéma', 'à la plage'],
    chose: ['les clés', 'le chargeur', 'les billets', 'le parapluie', 'les documents', 'le cadeau', 'le gâteau', 'le colis', 'la facture', 'le passeport', 'les croissants', 'la présentation'],
    quand: ['demain matin', 'ce soir', 'tout à l’heure', 'la semaine prochaine', 'ce week-end', 'après-demain', 'après le déjeuner', 'vers midi', 'à dix-huit heures', 'plus tard'],
    adj: ['génial', 'épuisant', 'très réussi', 'affreux', 'agréable', 'bondé', 'cher', 'délicieux', 'en retard', 'fatigué', 'déçu', 'ravi'],
    action: ['récupérer', 'apporter', 'oublier', 'payer', 'appeler', 'réserver', 'imprimer', 'vérifier', 'déposer', 'préparer'],
    evenement: ['le concert', 'la réunion', "l'examen", 'le match', "l'anniversaire", 'le mariage', 'le déménagement', 'le dîner'],
  },
  templates: [
    'Je suis {lieu} {quand}.',
    'Tu peux {action} {chose} ?',
    '{name} a encore oublié {chose} {lieu}.',
    'On se retrouve {quand} {lieu}, ça te va ?',
    'Franchement, {evenement} était {adj} !',
    "Je dois encore {action} {chose}, j'arrive après.",
    "Tu as le temps {quand} ? J'aimerais parler de {evenement}.",
    'Le train a du retard, je serai là {quand}.',
    "N'oublie pas de {action} {chose}, s'il te plaît.",
    "Il fait beau aujourd'hui, on reste {lieu}.",
    'Bises à {name}, à bientôt !',
    "J'ai trouvé {chose}, c'était {lieu}.",
    'Tu as trouvé {evenement} {adj}, toi aussi ?',
    'Coucou de vacances, ici tout est {adj}.',
  ],
  short: ['ok', 'oui', 'non', 'merci !', "j'arrive", 'à tout de suite', "d'accord", 'super', 'salut', 'bonne nuit', 'à plus', 'exactement', 'génial !', 'bien sûr', 'bisous', 'ça va ?', 'je suis en retard', 'déjà là', 'pas de souci', 'félicitations !'],
  shortTemplates: ['je suis là {quand}', 'je suis {lieu}', '{name} est déjà là', '{evenement} ?'],
  moods: ['au bureau', 'en vacances jusqu’à lundi ☀️', 'ne pas déranger', 'en déplacement', 'malade à la maison', 'à la salle de sport', 'télétravail', 'en réunion', 'fatigué mais content', 'période d’examens 📚', 'à Lyon jusqu’à vendredi', 'café ☕ et code'],
};

const SPANISH: Vocabulary = {
  sentenceGap: ' ',
  slots: {
    name: ['Lucía', 'Mateo', 'Sofía', 'Martín', 'Valentina', 'José', 'Inés', 'Andrés', 'María José', 'Íñigo', 'Begoña', 'Raúl'],
    lugar: ['en la estación', 'en la oficina', 'en la panadería', 'en el café', 'en casa', 'en el parque', 'en el tren', 'en casa de mi madre', 'en el aeropuerto', 'en el mercado', 'delante del cine', 'en la playa'],
    cosa: ['las llaves', 'el cargador', 'las entradas', 'el paraguas', 'los documentos', 'el regalo', 'la tarta', 'el paquete', 'la factura', 'el pasaporte', 'las empanadas', 'la presentación'],
    cuando: ['mañana temprano', 'esta noche', 'ahora mismo', 'la semana que viene', 'este fin de semana', 'pasado mañana', 'después de comer', 'a mediodía', 'a las ocho', 'más tarde'],
    adj: ['genial', 'agotador', 'increíble', 'horrible', 'agradable', 'lleno', 'carísimo', 'riquísimo', 'tarde', 'cansado', 'contentísimo', 'nervioso'],
    accion: ['recoger', 'traer', 'olvidar', 'pagar', 'llamar', 'reservar', 'imprimir', 'revisar', 'dejar', 'preparar'],
    evento: ['el concierto', 'la reunión', 'el examen', 'el partido', 'el cumpleaños', 'la boda', 'la mudanza', 'la cena'],
  },
  templates: [
    'Estoy {lugar} {cuando}.',
    '¿Puedes {accion} {cosa}?',
    '{name} se dejó {cosa} {lugar} otra vez.',
    'Nos vemos {cuando} {lugar}, ¿vale?',
    '¡{evento} fue {adj}!',
    'Todavía tengo que {accion} {cosa}, luego voy.',
    '¿Tienes tiempo {cuando}? Quiero hablar de {evento}.',
    'El tren va con retraso, llego {cuando}.',
    'No te olvides de {accion} {cosa}, por favor.',
    'Hoy hace mucho calor, nos quedamos {lugar}.',
    'Saludos a {name}, ¡hasta {cuando}!',
    'Encontré {cosa}, estaba {lugar}.',
    '¿A ti también te pareció {adj} {evento}?',
    'Saludos desde las vacaciones, aquí todo es {adj}.',
  ],
  short: ['ok', 'sí', 'no', '¡gracias!', 'voy en camino', 'ya llego', 'vale', 'genial', 'chao', 'buenas noches', 'hasta luego', 'exacto', '¡qué bien!', 'claro', 'besos', '¿qué tal?', 'llego tarde', 'ya estoy aquí', 'no pasa nada', '¡felicidades!'],
  shortTemplates: ['llego {cuando}', 'estoy {lugar}', '{name} ya está aquí', '¿{evento}?'],
  moods: ['en la oficina', 'de vacaciones hasta el lunes ☀️', 'no molestar', 'de viaje', 'enfermo en casa', 'en el gimnasio', 'teletrabajo', 'en una reunión', 'cansado pero feliz', 'época de exámenes 📚', 'en Sevilla hasta el viernes', 'café ☕ y código'],
};

const RUSSIAN: Vocabulary = {
  sentenceGap: ' ',
  slots: {
    name: ['Саша', 'Маша', 'Дима', 'Катя', 'Олег', 'Наташа', 'Серёжа', 'Аня', 'Игорь', 'Лена', 'Павел', 'Юля'],
    gde: ['на вокзале', 'в офисе', 'в кафе', 'дома', 'в парке', 'в поезде', 'у мамы', 'в аэропорту', 'на рынке', 'у кинотеатра', 'в магазине', 'на даче'],
    chto: ['ключи', 'зарядку', 'билеты', 'зонт', 'документы', 'подарок', 'торт', 'посылку', 'счёт', 'паспорт', 'пирожки', 'презентацию'],
    kogda: ['завтра утром', 'сегодня вечером', 'через минуту', 'на следующей неделе', 'в выходные', 'послезавтра', 'после обеда', 'около полудня', 'в восемь', 'попозже'],
    adj: ['отлично', 'ужасно', 'здорово', 'скучно', 'уютно', 'дорого', 'вкусно', 'поздно', 'тяжело', 'весело', 'странно', 'прекрасно'],
    deystvie: ['забрать', 'принести', 'оплатить', 'позвонить насчёт', 'забронировать', 'распечатать', 'проверить', 'занести', 'купить', 'подготовить'],
    sobytie: ['концерт', 'совещание', 'экзамен', 'матч', 'день рождения', 'свадьба', 'переезд', 'ужин'],
  },
  templates: [
    'Я буду {gde} {kogda}.',
    'Можешь {deystvie} {chto}?',
    '{name} опять забыл {chto} {gde}.',
    'Встретимся {kogda} {gde}, хорошо?',
    'Вчера был {sobytie}, было {adj}!',
    'Мне ещё надо {deystvie} {chto}, потом приду.',
    'У тебя есть время {kogda}? Хочу обсудить {sobytie}.',
    'Поезд опаздывает, буду {kogda}.',
    'Не забудь, пожалуйста, {deystvie} {chto}.',
    'Сегодня на улице {adj}, так что мы {gde}.',
    'Привет {name}! Увидимся {kogda}.',
    'Я нашёл {chto}, они были {gde}.',
    'Тебе тоже показалось, что было {adj}?',
    'Привет из отпуска, тут всё {adj}.',
  ],
  short: ['ок', 'да', 'нет', 'спасибо!', 'уже иду', 'скоро буду', 'понял', 'супер', 'пока', 'спокойной ночи', 'до встречи', 'точно', 'класс!', 'конечно', 'целую', 'как дела?', 'опаздываю', 'я на месте', 'ничего страшного', 'поздравляю!'],
  shortTemplates: ['буду {kogda}', 'я {gde}', '{name} уже тут', '{sobytie}?'],
  moods: ['на работе', 'в отпуске до понедельника ☀️', 'не беспокоить', 'в дороге', 'болею', 'в спортзале', 'работаю из дома', 'на совещании', 'устал, но доволен', 'сессия 📚', 'в Петербурге до пятницы', 'кофе ☕ и код'],
};

const CHINESE: Vocabulary = {
  sentenceGap: '',
  slots: {
    name: ['小王', '李明', '张伟', '小红', '老陈', '刘洋', '王芳', '赵磊', '孙丽', '周杰'],
    didian: ['在火车站', '在公司', '在咖啡馆', '在家', '在公园', '在地铁上', '在我妈家', '在机场', '在超市', '在电影院门口', '在楼下', '在学校'],
    dongxi: ['钥匙', '充电器', '车票', '雨伞', '文件', '礼物', '蛋糕', '快递', '发票', '护照', '电脑', '报告'],
    shijian: ['明天早上', '今天晚上', '马上', '下周', '这个周末', '后天', '吃完饭以后', '中午', '八点', '晚点'],
    adj: ['很好', '太累了', '非常棒', '很无聊', '很舒服', '人太多', '太贵了', '特别好吃', '有点晚', '很开心', '挺奇怪', '很顺利'],
    dongzuo: ['拿', '带', '付', '打电话问', '预订', '打印', '检查', '送', '买', '准备'],
    huodong: ['音乐会', '会议', '考试', '比赛', '生日聚会', '婚礼', '搬家', '晚饭'],
  },
  templates: [
    '我{shijian}{didian}。',
    '你能帮我{dongzuo}一下{dongxi}吗？',
    '{name}又把{dongxi}忘{didian}了。',
    '我们{shijian}{didian}见，好吗？',
    '昨天的{huodong}{adj}！',
    '我还要{dongzuo}{dongxi}，然后就过去。',
    '你{shijian}有空吗？想跟你聊聊{huodong}的事。',
    '火车晚点了，我{shijian}到。',
    '别忘了{dongzuo}{dongxi}哦。',
    '今天天气{adj}，我们就{didian}吧。',
    '替我问{name}好，{shijian}见！',
    '我找到{dongxi}了，原来{didian}。',
    '你也觉得{huodong}{adj}吗？',
    '度假中，这里一切都{adj}。',
  ],
  short: ['好的', '嗯', '是的', '不是', '谢谢！', '我在路上', '马上到', '知道了', '太好了', '拜拜', '晚安', '回头聊', '对', '哈哈哈', '没问题', '你好吗？', '我迟到了', '我到了', '没关系', '生日快乐！'],
  shortTemplates: ['我{shijian}到', '我{didian}', '{name}已经到了', '{huodong}？'],
  moods: ['上班中', '休假到周一 ☀️', '请勿打扰', '出差中', '生病在家', '在健身房', '在家办公', '开会中', '累但开心', '考试周 📚', '在上海到周五', '咖啡 ☕ 和代码'],
};

const JAPANESE: Vocabulary = {
  sentenceGap: '',
  slots: {
    name: ['田中さん', '佐藤さん', 'ゆきちゃん', '健太', 'さくら', '山本さん', '翔太', '美咲', '鈴木先輩', 'はるか'],
    basho: ['駅で', '会社で', 'カフェで', '家で', '公園で', '電車の中で', '実家で', '空港で', 'スーパーで', '映画館の前で', 'コンビニで', '学校で'],
    mono: ['鍵', '充電器', 'チケット', '傘', '書類', 'プレゼント', 'ケーキ', '荷物', '請求書', 'パスポート', 'お弁当', '資料'],
    itsu: ['明日の朝', '今夜', 'すぐ', '来週', '週末', 'あさって', 'お昼の後', '昼ごろ', '八時に', 'あとで'],
    adj: ['楽しかった', '疲れた', 'すごかった', 'つまらなかった', '気持ちよかった', '混んでた', '高かった', '美味しかった', '遅かった', '最高だった', '変だった', '順調だった'],
    suru: ['取りに行って', '持ってきて', '払って', '電話して', '予約して', '印刷して', '確認して', '届けて', '買って', '準備して'],
    ibento: ['コンサート', '会議', '試験', '試合', '誕生日会', '結婚式', '引っ越し', '飲み会'],
  },
  templates: [
    '{itsu}{basho}待ってるね。',
    '{mono}を{suru}くれる？',
    '{name}がまた{mono}を{basho}忘れたみたい。',
    '{itsu}{basho}会おうか？',
    '昨日の{ibento}、{adj}！',
    'まだ{mono}を{suru}から、そのあと行くね。',
    '{itsu}時間ある？{ibento}のことで相談したい。',
    '電車が遅れてて、{itsu}着きます。',
    '{mono}を{suru}ね、忘れないで。',
    '今日は天気がいいから、{basho}ゆっくりしよう。',
    '{name}によろしく、{itsu}ね！',
    '{mono}見つかった、{basho}あったよ。',
    '{ibento}、{adj}と思わない？',
    '旅行中です、こっちは全部{adj}。',
  ],
  short: ['了解', 'うん', 'はい', 'いいえ', 'ありがとう！', '今向かってる', 'もうすぐ着く', 'わかった', 'いいね', 'またね', 'おやすみ', 'あとで電話する', 'そうそう', 'www', '大丈夫', '元気？', 'ちょっと遅れる', '着いたよ', '気にしないで', 'お誕生日おめでとう！'],
  shortTemplates: ['{itsu}着く', '今{basho}', '{name}もう来てる', '{ibento}？'],
  moods: ['仕事中', '月曜まで休暇 ☀️', '取り込み中', '移動中', '風邪で自宅', 'ジム', '在宅勤務', '会議中', '疲れたけど満足', 'テスト期間 📚', '金曜まで大阪', 'コーヒー ☕ とコード'],
};

const ENGLISH: Vocabulary = {
  sentenceGap: ' ',
  slots: ENGLISH_SLOTS,
  templates: ENGLISH_TEMPLATES,
  short: ENGLISH_SHORT,
  shortTemplates: ENGLISH_SHORT_TEMPLATES,
  moods: [
    'at work', 'working from home', 'in a meeting', 'do not disturb', 'on vacation until Monday',
    'back on {day}', 'at {place}', 'driving', 'busy, text me', 'gym then dinner', 'out of office',
    'feeling {feeling}', 'available', 'travelling', 'coffee first', 'exam week', 'deadline mode',
    'on call this week', 'offline after {clock}', 'new phone, who dis', 'listening to jazz', 'fishing',
  ],
};

/** The vocabulary of each language. */
export const VOCABULARIES: Readonly<Record<Language, Vocabulary>> = {
  en: ENGLISH,
  de: GERMAN,
  fr: FRENCH,
  es: SPANISH,
  ru: RUSSIAN,
  zh: CHINESE,
  ja: JAPANESE,
};
