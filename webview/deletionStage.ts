// The deletion player's stage: the image with its controls — first, previous, play/pause, next and
// last frame, the scrubber and the frame counter, the time, speed, loop and Export GIF. Built once
// per deletion; the player (webview/deletionPlayer.ts) keeps them in step with what it shows.

import type { PanelStrings } from '../src/panelProtocol';
import { formatString } from '../src/webviewKit/strings';
import { element } from './kit/dom';
import { playerIcon, type PlayerIcon } from './playerIcons';
import { button, checkbox, select } from './ui';

/** Frames per second the player offers. */
export const PLAYER_SPEEDS = [1, 2, 5, 10, 20, 30, 60];
export const DEFAULT_SPEED = 10;

export interface StageParts {
  element: HTMLElement;
  canvasWrap: HTMLElement;
  tooltip: HTMLElement;
  marker: HTMLElement;
  first: HTMLButtonElement;
  back: HTMLButtonElement;
  playPause: HTMLButtonElement;
  forward: HTMLButtonElement;
  last: HTMLButtonElement;
  scrub: HTMLInputElement;
  counter: HTMLElement;
  time: HTMLElement;
  speed: HTMLSelectElement;
  loop: HTMLInputElement;
  exportButton: HTMLElement;
  exportNote: HTMLElement;
  events: HTMLElement;
  axisStart: HTMLElement;
  axisEnd: HTMLElement;
}

export interface StageActions {
  first(): void;
  back(): void;
  playPause(): void;
  forward(): void;
  last(): void;
  scrub(frame: number): void;
  speed(speed: number): void;
  loop(loop: boolean): void;
  exportGif(): void;
}

/** The image with its controls: transport buttons, the scrubber, speed, loop, Export GIF. */
export function buildStageParts(strings: PanelStrings, canvas: HTMLCanvasElement, actions: StageActions): StageParts {
  const control = (id: string, glyph: PlayerIcon, label: string, run: () => void) => {
    const node = element('button', { type: 'button', id, class: 'player-button', 'aria-label': label, title: label }, [playerIcon(glyph)]);
    node.addEventListener('click', run);
    return node;
  };
  const tooltip = element('div', { id: 'deletion-tooltip', class: 'deletion-tooltip', role: 'tooltip', hidden: '' });
  const marker = element('div', { class: 'deletion-marker', 'aria-hidden': 'true', hidden: '' });
  const canvasWrap = element('div', { class: 'deletion-canvas-wrap' }, [canvas, marker, tooltip]);
  const scrub = element('input', {
    type: 'range',
    id: 'deletion-scrub',
    class: 'deletion-scrub',
    min: '0',
    max: '0',
    step: '1',
    value: '0',
    'aria-label': strings.deletionFrameSlider,
  });
  scrub.addEventListener('input', () => actions.scrub(Number(scrub.value)));
  const speed = select({
    id: 'deletion-speed',
    label: strings.deletionSpeed,
    choices: PLAYER_SPEEDS.map((fps) => ({ value: String(fps), label: formatString(strings.deletionSpeedValue, fps) })),
    value: String(DEFAULT_SPEED),
    onChange: (value) => actions.speed(Number(value)),
  });
  const loop = checkbox({ id: 'deletion-loop', label: strings.deletionLoop });
  loop.addEventListener('change', () => actions.loop(loop.checked));
  const exportButton = button(strings.deletionExportGif, () => actions.exportGif(), { id: 'deletion-export', appearance: 'secondary' });
  const parts = {
    canvasWrap,
    tooltip,
    marker,
    first: control('deletion-first', 'first', strings.deletionFirstFrame, actions.first),
    back: control('deletion-step-back', 'back', strings.deletionStepBack, actions.back),
    playPause: control('deletion-play', 'play', strings.deletionPlay, actions.playPause),
    forward: control('deletion-step-forward', 'forward', strings.deletionStepForward, actions.forward),
    last: control('deletion-last', 'last', strings.deletionLastFrame, actions.last),
    scrub,
    counter: element('span', { id: 'deletion-frame-counter', class: 'deletion-counter' }),
    time: element('span', { id: 'deletion-time', class: 'deletion-time' }),
    speed,
    loop,
    exportButton,
    exportNote: element('span', { id: 'deletion-export-note', class: 'deletion-export-note', role: 'status' }),
    events: element('p', { id: 'deletion-events', class: 'deletion-events' }),
    axisStart: element('span', {}),
    axisEnd: element('span', {}),
  };
  const element_ = element('div', { class: 'deletion-stage-inner' }, [
    canvasWrap,
    element('p', { id: 'deletion-keyboard-help', class: 'visually-hidden' }, [strings.deletionKeyboardHelp]),
    element('div', { class: 'deletion-transport', role: 'group', 'aria-label': strings.deletionControls }, [
      parts.first,
      parts.back,
      parts.playPause,
      parts.forward,
      parts.last,
      scrub,
      parts.counter,
    ]),
    element('div', { class: 'deletion-options' }, [
      parts.time,
      element('label', { class: 'deletion-speed-label' }, [strings.deletionSpeed, ' ', speed]),
      element('label', { class: 'deletion-loop-label' }, [loop, ' ', strings.deletionLoop]),
      exportButton,
      parts.exportNote,
    ]),
  ]);
  return { element: element_, ...parts };
}
