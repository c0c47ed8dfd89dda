/**
 * English chat vocabulary (ASCII only): sentence templates with slots, and the word lists that fill
 * them. Several hundred words, so composed texts vary as real chat does.
 */

/** Words per slot name; a template writes a slot as {name}. */
export const ENGLISH_SLOTS: Readonly<Record<string, readonly string[]>> = {
  name: [
    'Anna', 'Ben', 'Carla', 'Dan', 'Emma', 'Felix', 'Grace', 'Hannah', 'Ian', 'Jonas', 'Kate', 'Leo',
    'Maya', 'Nick', 'Olivia', 'Paul', 'Quinn', 'Rosa', 'Sam', 'Tom', 'Uma', 'Victor', 'Will', 'Zoe',
    'Alex', 'Chris', 'Jess', 'Mike', 'Sarah', 'David', 'Laura', 'Mark', 'Nina', 'Oscar', 'Priya', 'Raj',
    'Sofia', 'Theo', 'Yuki', 'Omar', 'Lena', 'Jack', 'Ella', 'Noah', 'Lucy', 'Max', 'Ruth', 'Eli',
  ],
  person: [
    'sister', 'brother', 'mom', 'dad', 'boss', 'neighbour', 'landlord', 'cousin', 'roommate', 'aunt',
    'uncle', 'grandma', 'grandpa', 'manager', 'dentist', 'teacher', 'coach', 'partner', 'kid', 'friend',
  ],
  place: [
    'the station', 'the office', 'the gym', 'the park', 'the airport', 'the library', 'the beach',
    'the market', 'the cafe on the corner', 'the mall', 'the hospital', 'the bakery', 'the cinema',
    'the bar downstairs', 'the hotel', 'the lake', 'the museum', 'the stadium', 'the pharmacy',
    'the bus stop', 'the train', 'home', 'work', 'school', 'the garage', 'the post office', 'the bank',
    'the pool', 'the campsite', 'the harbour', 'the old town', 'the main square', 'the hardware store',
    'the pizza place', 'the conference room', 'the parking lot', 'the bridge', 'the ferry',
  ],
  thing: [
    'keys', 'charger', 'laptop', 'umbrella', 'tickets', 'passport', 'invoice', 'slides', 'report',
    'package', 'bike', 'car', 'receipt', 'headphones', 'wallet', 'jacket', 'contract', 'photos',
    'presentation', 'spreadsheet', 'booking', 'map', 'camera', 'cable', 'router', 'blanket', 'tent',
    'book', 'playlist', 'recipe', 'budget', 'schedule', 'draft', 'backup', 'password', 'printer',
    'coffee machine', 'guitar', 'shoes', 'sunglasses', 'bottle opener', 'gift', 'card', 'notes',
    'boarding pass', 'rental agreement', 'insurance form', 'lunch box', 'water bottle', 'toolbox',
  ],
  food: [
    'pizza', 'tacos', 'sushi', 'pancakes', 'noodles', 'curry', 'burgers', 'salad', 'soup', 'cake',
    'cookies', 'ice cream', 'bagels', 'dumplings', 'pasta', 'fries', 'coffee', 'tea', 'smoothies',
    'sandwiches', 'croissants', 'waffles', 'ramen', 'falafel', 'chili', 'popcorn', 'donuts', 'muffins',
  ],
  adj: [
    'great', 'terrible', 'weird', 'amazing', 'boring', 'expensive', 'cheap', 'crowded', 'quiet',
    'perfect', 'broken', 'huge', 'tiny', 'late', 'early', 'cold', 'warm', 'delicious', 'awful',
    'strange', 'lovely', 'confusing', 'easy', 'hard', 'fast', 'slow', 'noisy', 'fine', 'messy',
    'clean', 'fun', 'useful', 'pointless', 'beautiful', 'ugly', 'fancy', 'simple', 'sketchy', 'solid',
    'wild', 'chill', 'packed', 'empty', 'ridiculous', 'brilliant', 'decent', 'funny', 'stressful',
  ],
  verb: [
    'call', 'check', 'bring', 'book', 'fix', 'send', 'buy', 'pick up', 'drop off', 'finish', 'start',
    'cancel', 'move', 'print', 'clean', 'cook', 'read', 'watch', 'visit', 'order', 'test', 'sign',
    'review', 'update', 'charge', 'return', 'borrow', 'plan', 'share', 'upload', 'download', 'ask about',
    'look at', 'try', 'sort out', 'reschedule', 'confirm', 'pay for', 'wrap', 'water',
  ],
  past: [
    'called', 'checked', 'forgot', 'found', 'lost', 'fixed', 'sent', 'bought', 'picked up', 'finished',
    'started', 'cancelled', 'moved', 'printed', 'cleaned', 'cooked', 'read', 'watched', 'visited',
    'ordered', 'tested', 'signed', 'reviewed', 'updated', 'broke', 'returned', 'borrowed', 'planned',
    'shared', 'uploaded', 'missed', 'booked', 'paid for', 'dropped', 'spilled coffee on', 'left',
  ],
  activity: [
    'driving', 'cooking', 'working', 'running', 'studying', 'shopping', 'packing', 'waiting',
    'cleaning up', 'walking the dog', 'in a meeting', 'on a call', 'at lunch', 'on the train',
    'queueing', 'charging my phone', 'fixing the sink', 'watching the game', 'putting the kids to bed',
    'finishing a report', 'at the doctor', 'stuck in traffic', 'boarding', 'on hold with the bank',
  ],
  topic: [
    'meeting', 'party', 'trip', 'wedding', 'exam', 'interview', 'deadline', 'project', 'game', 'concert',
    'match', 'move', 'lease', 'budget', 'release', 'launch', 'dinner', 'birthday', 'holiday', 'renovation',
    'flight', 'appointment', 'workshop', 'demo', 'review', 'rehearsal', 'garage sale', 'hike', 'barbecue',
    'school play', 'quarterly numbers', 'new office', 'team outing', 'server migration', 'book club',
  ],
  event: [
    'concert', 'dinner', 'match', 'movie', 'show', 'party', 'meeting', 'class', 'flight', 'hike',
    'race', 'lecture', 'wedding', 'trip', 'interview', 'date', 'game night', 'open day', 'tasting',
  ],
  feeling: [
    'tired', 'excited', 'nervous', 'happy', 'annoyed', 'relieved', 'hungry', 'sleepy', 'stressed',
    'confused', 'thrilled', 'bored', 'proud', 'grateful', 'sorry', 'curious', 'sick', 'exhausted',
    'optimistic', 'worried', 'fine', 'better', 'ready',
  ],
  day: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday', 'tomorrow', 'tonight', 'next week', 'the weekend'],
  clock: [
    '7', '7:30', '8', '8:15', '9', '9:45', '10', '11', 'noon', '12:30', '1', '2', '2:30', '3', '4',
    '4:45', '5', '5:30', '6', '6:15', '7pm', '8pm', '9pm', 'half past six', 'quarter to eight',
  ],
  past_time: ['yesterday', 'last night', 'this morning', 'an hour ago', 'on Friday', 'last week', 'earlier', 'just now'],
  future_time: ['tomorrow', 'tonight', 'later', 'on Monday', 'next week', 'this weekend', 'after lunch', 'in the morning', 'before Friday'],
  opener: [
    'Honestly', 'Btw', 'So', 'Anyway', 'Quick question', 'Heads up', 'Good news', 'Bad news', 'Okay',
    'Also', 'Funny thing', 'Update', 'Just so you know', 'Sorry', 'Hey', 'Well', 'Turns out', 'FYI',
  ],
  num: ['2', '3', '5', '10', '12', '15', '20', '25', '30', '40', '45', 'a few', 'twenty'],
  amount: ['a lot of', 'way too much', 'some', 'two plates of', 'a box of', 'half the', 'all the', 'leftover'],
  weather: ['raining', 'snowing', 'really hot', 'freezing', 'windy', 'sunny again', 'foggy', 'humid'],
};

/** Sentence templates; {slot} names a word list above. */
export const ENGLISH_TEMPLATES: readonly string[] = [
  'I {past} the {thing} {past_time}.',
  'Can you {verb} the {thing} {future_time}?',
  '{name} said the {topic} was {adj}.',
  'We should {verb} the {thing} {future_time}.',
  'Are you still {activity}?',
  "I'm {feeling} about the {topic}, to be honest.",
  'The {thing} at {place} was {adj}.',
  "Let's meet at {place} around {clock}.",
  'Did you see what {name} wrote about the {topic}?',
  "I'll be at {place} until {clock}, then I'm free.",
  'My {person} wants to {verb} the {thing} {future_time}.',
  "Don't forget the {thing}!",
  '{opener}, the {topic} got moved to {day}.',
  "I can't {verb} it {future_time} because I'm {activity}.",
  'Thanks for the {thing}, it was really {adj}.',
  'How was the {event}?',
  'The {event} starts at {clock}, so we have {num} minutes.',
  'I just had {amount} {food} and now I feel {feeling}.',
  "It's {weather} here, bring the {thing}.",
  '{opener}: {name} {past} the {thing} again.',
  'Could you ask your {person} about the {topic}?',
  'The {topic} went {adj}, better than I expected.',
  'I think the {thing} is still at {place}.',
  'No rush, {future_time} is fine.',
  'Should I {verb} the {thing} or wait for {name}?',
  "We're {activity}, call you back in {num} minutes.",
  'Is the {event} still on for {day}?',
  '{name} and I are getting {food} at {place}, want to join?',
  "That {event} was {adj}, I'm still {feeling}.",
  'Remind me to {verb} the {thing} {future_time}.',
  'I left the {thing} at {place}, can you grab it?',
  'The {topic} is {adj} but we will manage.',
  '{opener}, I {past} the {thing} and it works now.',
  'Traffic is {adj}, I might be {num} minutes late.',
  'Did your {person} {verb} the {thing} yet?',
  "I'm at {place}, where are you?",
  'Who is bringing {food} to the {topic}?',
  'Can we move the {event} to {day} at {clock}?',
  'Not sure the {thing} fits in the car.',
  'Tell {name} I said thanks for the {food}.',
  "I'll {verb} the {thing} when I get home.",
  '{opener}, the {event} on {day} is sold out.',
  'What time does the {event} end?',
  'The new {thing} is {adj}, you have to see it.',
  'I owe you {food} for helping with the {topic}.',
  "Sorry I missed your call, I was {activity}.",
];

/** Short English replies; a short message is one of these or a short template. */
export const ENGLISH_SHORT: readonly string[] = [
  'ok', 'k', 'okay', 'on my way', 'omw', 'sure', 'yes', 'yep', 'no', 'nope', 'thanks', 'thx', 'ty',
  'thanks!', 'np', 'lol', 'haha', 'hahaha', 'nice', 'cool', 'great', 'sounds good', 'got it', 'brb',
  'call you later', 'see you soon', 'see you', 'good night', 'morning!', 'good luck', 'done', 'wait',
  'almost there', 'running late', 'here', 'outside', 'downstairs', 'just landed', 'love it', 'same',
  'agreed', 'no worries', 'maybe', 'not yet', 'of course', 'why?', 'when?', 'where?', 'perfect',
  'oh no', 'wow', 'congrats!', 'happy birthday!', 'miss you', 'me too', 'talk later', 'bye', 'deal',
];

/** Short English templates. */
export const ENGLISH_SHORT_TEMPLATES: readonly string[] = [
  'be there in {num} min', 'at {place}', 'see you at {clock}', '{name} is here', 'still at {place}?',
  'call me at {clock}', 'got the {thing}', 'forgot the {thing}', '{day}?', '{clock} works', 'bring {food}',
  'how was the {event}?', 'on the {thing}', '{opener}, call me',
];
