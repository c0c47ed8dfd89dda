/**
 * Realistic usernames: lowercase handles made of names, dots and digits, in the shapes people
 * pick when the plain name is taken.
 */

import type { Prng } from '../../src/util/prng.js';

const FIRST_NAMES: readonly string[] = [
  'anna', 'ben', 'carla', 'daniel', 'emma', 'felix', 'grace', 'hannah', 'ian', 'jonas', 'kate', 'leo',
  'maya', 'nick', 'olivia', 'paul', 'rosa', 'sam', 'tom', 'victor', 'will', 'zoe', 'alex', 'chris',
  'jess', 'mike', 'sarah', 'david', 'laura', 'mark', 'nina', 'oscar', 'priya', 'raj', 'sofia', 'theo',
  'yuki', 'omar', 'lena', 'jack', 'ella', 'noah', 'lucy', 'max', 'ruth', 'eli', 'lukas', 'mia', 'jan',
  'sven', 'ingrid', 'pierre', 'claire', 'hugo', 'lea', 'mateo', 'lucia', 'javier', 'carmen', 'ivan',
  'olga', 'dmitri', 'natasha', 'wei', 'li', 'ming', 'hiro', 'kenji', 'sakura', 'aiko', 'ahmed', 'fatima',
  'ali', 'sara', 'marco', 'giulia', 'pedro', 'ana', 'joao', 'tomasz', 'kasia', 'piotr', 'eva', 'adam',
  'julia', 'martin', 'nora', 'erik', 'astrid', 'kofi', 'amara', 'chen', 'mei', 'arjun', 'deepa', 'tariq',
];

const LAST_NAMES: readonly string[] = [
  'smith', 'jones', 'brown', 'miller', 'wilson', 'taylor', 'clark', 'walker', 'young', 'king', 'wright',
  'hill', 'green', 'baker', 'adams', 'nelson', 'carter', 'mitchell', 'roberts', 'turner', 'phillips',
  'campbell', 'parker', 'evans', 'edwards', 'collins', 'stewart', 'morris', 'murphy', 'cook', 'rogers',
  'mueller', 'schmidt', 'schneider', 'fischer', 'weber', 'meyer', 'wagner', 'becker', 'hoffmann',
  'martin', 'bernard', 'dubois', 'durand', 'lefebvre', 'moreau', 'garcia', 'martinez', 'lopez',
  'sanchez', 'perez', 'gomez', 'ivanov', 'petrov', 'smirnov', 'volkov', 'wang', 'zhang', 'liu', 'chen',
  'yang', 'huang', 'tanaka', 'suzuki', 'sato', 'watanabe', 'ito', 'kim', 'lee', 'park', 'nguyen',
  'tran', 'rossi', 'russo', 'ferrari', 'silva', 'santos', 'kowalski', 'nowak', 'novak', 'jensen',
  'hansen', 'larsen', 'andersson', 'johansson', 'kaur', 'singh', 'patel', 'shah', 'khan', 'hassan',
  'okafor', 'mensah', 'oconnor', 'kelly', 'byrne', 'vanderberg', 'dekker', 'visser', 'bakker',
];

const NICKNAMES: readonly string[] = [
  'skywalker', 'pixel', 'nightowl', 'bluefox', 'redpanda', 'moonlight', 'drummer', 'gamer', 'coder',
  'hiker', 'surfer', 'ninja', 'captain', 'wizard', 'rocket', 'tiger', 'falcon', 'shadow', 'storm',
  'maple', 'coffee', 'bookworm', 'traveler', 'sunny', 'pilot', 'chef', 'runner', 'dreamer', 'piano',
];

/** A new handle, not yet in `taken` (which it joins). */
export function makeHandle(prng: Prng, taken: Set<string>): string {
  let handle = handleShape(prng);
  while (taken.has(handle)) handle += String(prng.int(0, 9));
  taken.add(handle);
  return handle;
}

function handleShape(prng: Prng): string {
  const first = prng.pick(FIRST_NAMES);
  const last = prng.pick(LAST_NAMES);
  const shape = prng.weighted<number>([
    [0, 30],
    [1, 10],
    [2, 10],
    [3, 18],
    [4, 10],
    [5, 6],
    [6, 5],
    [7, 11],
  ]);
  switch (shape) {
    case 0:
      return `${first}.${last}`;
    case 1:
      return `${first}${last}`;
    case 2:
      return `${first}.${last}${prng.int(1, 99)}`;
    case 3:
      // Birth years and lucky numbers.
      return `${first}${prng.chance(0.6) ? prng.int(1965, 2008) : prng.int(1, 999)}`;
    case 4:
      return `${first.charAt(0)}${last}`;
    case 5:
      return `${first}.${last.charAt(0)}`;
    case 6:
      return `${last}.${first}`;
    default:
      return `${prng.pick(NICKNAMES)}${prng.int(1, 9999)}`;
  }
}
