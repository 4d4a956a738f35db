// The deletion image's colours: one small indexed palette shared by the canvas, the GIF and the
// player. Mid-luminance colours that read on dark and light editor themes; the three deletion
// phases keep the original write-up's yellow, red and black.
//
// Indices (49 used; 255 is TRANSPARENT_INDEX, "unchanged" in a frame patch):
//   0–4    the pure states, index = ObjectState: present (blue), transitioned (violet),
//          delete-marked (yellow), noncurrent version expired (red), gone (near-black)
//   5–44   mixes, when a pixel covers several objects: the pixel's two most common states a < b
//          (state order) blended at 4 ratios, b's share of the two rounded to 1/5, 2/5, 3/5, 4/5.
//          Index 5 + 4 · pair(a, b) + (level − 1), pairs in the order (0,1) (0,2) (0,3) (0,4) (1,2) … (3,4).
//          A pixel whose objects are not all in one state never shows a pure colour: the smallest
//          minority shows as level 1, the smallest remainder as level 4.
//   45     background: pixels no object falls on (when objects are fewer than pixels)
//   46–48  the header band: its background, its text, its dimmed labels

import { STATE_COUNT, STATE_NAMES, type StateName } from './model';

export type Rgb = readonly [number, number, number];

/** The pure state colours, in ObjectState order. */
export const STATE_COLOURS: readonly Rgb[] = [
  [74, 144, 217], // present: blue
  [155, 107, 214], // transitioned to another storage class: violet
  [242, 193, 46], // delete-marked: yellow
  [224, 69, 58], // noncurrent version expired (only the marker left): red
  [22, 22, 22], // gone: near-black
];

/** How many blend ratios each pair of states has. */
export const MIX_LEVELS = 4;
const MIX_DIVISIONS = MIX_LEVELS + 1;

/** PAIR_INDEX[a * STATE_COUNT + b] for a < b: the pair's rank among the 10 pairs. */
const PAIR_INDEX = new Int8Array(STATE_COUNT * STATE_COUNT).fill(-1);
const PAIRS: [number, number][] = [];
for (let a = 0; a < STATE_COUNT; a++) {
  for (let b = a + 1; b < STATE_COUNT; b++) {
    PAIR_INDEX[a * STATE_COUNT + b] = PAIRS.length;
    PAIRS.push([a, b]);
  }
}

export const FIRST_MIX_INDEX = STATE_COUNT;
export const BACKGROUND_INDEX = FIRST_MIX_INDEX + PAIRS.length * MIX_LEVELS;
export const HEADER_BACKGROUND_INDEX = BACKGROUND_INDEX + 1;
export const HEADER_TEXT_INDEX = BACKGROUND_INDEX + 2;
export const HEADER_LABEL_INDEX = BACKGROUND_INDEX + 3;

const BACKGROUND: Rgb = [92, 99, 112]; // slate grey: no object here
const HEADER_BACKGROUND: Rgb = [32, 36, 43];
const HEADER_TEXT: Rgb = [236, 236, 236];
const HEADER_LABEL: Rgb = [160, 166, 173];

function blend(a: Rgb, b: Rgb, share: number): Rgb {
  return [0, 1, 2].map((c) => Math.round(a[c]! * (1 - share) + b[c]! * share)) as unknown as Rgb;
}

/** Every colour the deletion image uses, by palette index. */
export const PALETTE: readonly Rgb[] = [
  ...STATE_COLOURS,
  ...PAIRS.flatMap(([a, b]) => Array.from({ length: MIX_LEVELS }, (_, level) => blend(STATE_COLOURS[a]!, STATE_COLOURS[b]!, (level + 1) / MIX_DIVISIONS))),
  BACKGROUND,
  HEADER_BACKGROUND,
  HEADER_TEXT,
  HEADER_LABEL,
];

/**
 * The palette index of a pixel that covers objects in several states: `counts[base + state]`
 * objects per state. The two most common states (ties to the earlier state) decide the colour.
 */
export function mixIndex(counts: Uint32Array, base: number): number {
  let first = -1;
  let firstCount = 0;
  let second = -1;
  let secondCount = 0;
  for (let s = 0; s < STATE_COUNT; s++) {
    const c = counts[base + s]!;
    if (c > firstCount) {
      second = first;
      secondCount = firstCount;
      first = s;
      firstCount = c;
    } else if (c > secondCount) {
      second = s;
      secondCount = c;
    }
  }
  if (first < 0) return BACKGROUND_INDEX;
  if (secondCount === 0) return first;
  const low = first < second ? first : second;
  const high = first < second ? second : first;
  const highShare = (first === high ? firstCount : secondCount) / (firstCount + secondCount);
  let level = Math.round(highShare * MIX_DIVISIONS);
  if (level < 1) level = 1;
  else if (level > MIX_LEVELS) level = MIX_LEVELS;
  return FIRST_MIX_INDEX + PAIR_INDEX[low * STATE_COUNT + high]! * MIX_LEVELS + level - 1;
}

/** What a palette entry shows, for a legend: the states it stands for and their shares (1 for a pure state). */
export type PaletteMeaning =
  | { kind: 'state'; state: StateName }
  | { kind: 'mix'; states: [StateName, StateName]; shares: [number, number] }
  | { kind: 'background' | 'headerBackground' | 'headerText' | 'headerLabel' };

export function paletteMeaning(index: number): PaletteMeaning | undefined {
  if (!Number.isInteger(index) || index < 0 || index >= PALETTE.length) return undefined;
  if (index < FIRST_MIX_INDEX) return { kind: 'state', state: STATE_NAMES[index]! };
  if (index < BACKGROUND_INDEX) {
    const pair = Math.floor((index - FIRST_MIX_INDEX) / MIX_LEVELS);
    const level = ((index - FIRST_MIX_INDEX) % MIX_LEVELS) + 1;
    const [a, b] = PAIRS[pair]!;
    return { kind: 'mix', states: [STATE_NAMES[a]!, STATE_NAMES[b]!], shares: [(MIX_DIVISIONS - level) / MIX_DIVISIONS, level / MIX_DIVISIONS] };
  }
  return { kind: (['background', 'headerBackground', 'headerText', 'headerLabel'] as const)[index - BACKGROUND_INDEX]! };
}
