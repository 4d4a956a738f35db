// The lifecycle panel's deletion player: the image of the deletion (webview/deletionImage.ts) with
// play, pause, step, scrub, speed and loop; the legend with each state's count in the frame shown,
// the stacked-area chart over time, the partitions' progress and the estimated end
// (webview/deletionDetails.ts); a pixel's keys on hover (asked of the host); Export GIF.
// It holds the frame shown and the frames' counts, never the frames themselves: each frame is asked
// of the host as it is needed, one request at a time, the newest target winning.

import { STATE_NAMES } from '../src/core/deletion/model';
import { DeletionTimeline } from '../src/core/deletion/timeline';
import { formatBytes, formatCount } from '../src/core/format';
import {
  decodeFrameRegion,
  type AnomalyView,
  type DeletionEventMessage,
  type FrameRegionWire,
  type GifExportResult,
  type PanelStrings,
  type PixelDescription,
  type ProgressAtFrame,
  type ProgressView,
} from '../src/panelProtocol';
import { formatString } from '../src/webviewKit/strings';
import { renderAnomalies, renderProgress, StateLegend, stateLabel, timeFormatter } from './deletionDetails';
import { DeletionChart } from './deletionChart';
import { DeletionImage } from './deletionImage';
import { PixelInspector } from './deletionInspector';
import { playerIcon } from './playerIcons';
import { buildStageParts, DEFAULT_SPEED, PLAYER_SPEEDS, type StageParts } from './deletionStage';
import { element, replaceChildren } from './kit/dom';
import { busyIndicator, button, smallButton } from './ui';

export interface DeletionPlayerHost {
  locale: string;
  frame(session: number, index: number, base: number): Promise<FrameRegionWire>;
  progress(session: number, index: number): Promise<ProgressAtFrame>;
  describePixel(session: number, x: number, y: number): Promise<PixelDescription | null>;
  exportGif(session: number, frameDelayMs: number): Promise<GifExportResult | null>;
  play(): Promise<void>;
  cancel(session: number): Promise<void>;
  /** Something in `snapshot()` changed. */
  stateChanged(): void;
}

/** What the player keeps across reloads of the webview (the frames come again from the host). */
export interface DeletionPlayerState {
  session?: number;
  frame?: number;
  speed: number;
  loop: boolean;
}

type Status = 'idle' | 'preparing' | 'reading' | 'complete' | 'cancelled' | 'failed';

interface Session {
  id: number;
  /** `bucket` or `bucket/prefix`: what the deletion read, as `s3://{0}` names it. */
  scope: string;
  width: number;
  height: number;
  colours: number;
  stateColours: string[];
  objects: number;
  timeline: DeletionTimeline;
  image: DeletionImage;
  formatTime: (ms: number) => string;
}

/** `bucket`, or `bucket/prefix` when the deletion keeps to a prefix. */
function scopeOf(message: { bucket: string; prefix?: string }): string {
  return message.prefix ? `${message.bucket}/${message.prefix}` : message.bucket;
}

export class DeletionPlayer {
  readonly element = element('section', { id: 'deletion-player', class: 'deletion-player', 'aria-labelledby': 'deletion-heading', 'aria-live': 'off' });
  private strings: PanelStrings | undefined;
  private session: Session | undefined;
  /** The session being prepared (no image yet). */
  private pendingId: number | undefined;
  /** The scope of the deletion shown or being prepared (`bucket` or `bucket/prefix`). */
  private scope: string | undefined;
  private status: Status = 'idle';
  private failure: string | undefined;
  private error: string | undefined;
  private progress: ProgressView | undefined;
  /** The frame `progress` is of: the newest read while streaming, else the one asked of the host for the frame shown. */
  private progressFrame = -1;
  /** The frame the progress shown is of (the host keeps some frames' only). */
  private progressOf = -1;
  private progressInFlight = false;
  private lastProgressAsk = 0;
  private progressTimer: ReturnType<typeof setTimeout> | undefined;
  private anomalies: AnomalyView[] | undefined;

  private shown = -1;
  private target = -1;
  private inFlight = false;
  private playing = false;
  /** Show each frame as it is read (until the user goes elsewhere). */
  private following = true;
  /** Play from the start once read (until the user touches a control). */
  private autoplay = true;
  private announceNext = false;
  private speed: number;
  private loop: boolean;
  private lastAdvance = 0;
  private frameRequest: number | undefined;
  private detailsPending = false;
  private restoreFrame: number | undefined;
  private restoreSession: number | undefined;
  private exporting = false;
  /** Scroll the player into view once its first frame shows (the page is laid out by then). */
  private revealPending = false;
  private exportNote: string | undefined;

  private inspector: PixelInspector | undefined;
  private stageListeners: AbortController | undefined;

  // Parts, built once the strings are known (and the stage once a session starts).
  private readonly header = element('div', { class: 'section-header' });
  private readonly heading = element('h2', { id: 'deletion-heading' });
  private readonly statusLine = element('div', { id: 'deletion-status', class: 'deletion-status' });
  private readonly errorLine = element('p', { id: 'deletion-error', class: 'error', role: 'alert', hidden: '' });
  private readonly intro = element('p', { id: 'deletion-intro', class: 'intro' });
  private readonly body = element('div', { id: 'deletion-body', class: 'deletion-body', hidden: '' });
  private readonly announcer = element('div', { id: 'deletion-announce', class: 'visually-hidden', 'aria-live': 'polite' });
  private stage: StageParts | undefined;
  private legend: StateLegend | undefined;
  private chart: DeletionChart | undefined;
  private readonly progressArea = element('div', { id: 'deletion-progress', class: 'deletion-progress' });
  private readonly anomalyArea = element('div', { id: 'deletion-anomalies', class: 'deletion-anomalies' });

  constructor(
    private readonly host: DeletionPlayerHost,
    saved: DeletionPlayerState | undefined,
  ) {
    this.speed = saved && PLAYER_SPEEDS.includes(saved.speed) ? saved.speed : DEFAULT_SPEED;
    this.loop = saved?.loop ?? true;
    this.restoreSession = saved?.session;
    this.restoreFrame = saved?.frame;
  }

  snapshot(): DeletionPlayerState {
    return { speed: this.speed, loop: this.loop, ...(this.session ? { session: this.session.id, frame: Math.max(0, this.target) } : {}) };
  }

  setStrings(strings: PanelStrings): void {
    this.strings = strings;
    this.intro.textContent = strings.deletionIntro;
    replaceChildren(this.element, [this.header, this.statusLine, this.errorLine, this.intro, this.body, this.announcer]);
    replaceChildren(this.header, [
      this.heading,
      button(strings.playDeletion, () => void this.playCommand(), { id: 'deletion-play-command', appearance: 'secondary' }),
    ]);
    if (this.session) this.buildStage(this.session);
    this.render();
  }

  onMessage(message: DeletionEventMessage): void {
    switch (message.type) {
      case 'deletionPreparing':
        if (this.session?.id === message.session || this.pendingId === message.session) return;
        this.reset();
        this.pendingId = message.session;
        this.scope = scopeOf(message);
        this.status = 'preparing';
        this.render();
        this.reveal();
        return;
      case 'deletionStart': {
        if (this.session?.id === message.session) return;
        this.reset();
        const colours = message.palette.length / 3;
        const css = (i: number, list: number[]) => `rgb(${list[i * 3]}, ${list[i * 3 + 1]}, ${list[i * 3 + 2]})`;
        const image = new DeletionImage(message.width, message.height, message.palette, {
          id: 'deletion-canvas',
          class: 'deletion-canvas',
          tabindex: '0',
          role: 'img',
          'aria-describedby': 'deletion-keyboard-help deletion-tooltip',
        });
        this.session = {
          id: message.session,
          scope: scopeOf(message),
          width: message.width,
          height: message.height,
          colours,
          stateColours: STATE_NAMES.map((_, s) => css(s, message.stateColours)),
          objects: message.objects,
          timeline: new DeletionTimeline(message.frames),
          image,
          formatTime: timeFormatter(this.host.locale, message.granularity !== 'day'),
        };
        this.scope = this.session.scope;
        this.pendingId = undefined;
        this.status = 'reading';
        // A reload or a reopened panel: back to the frame that was shown, paused. The host knows it
        // (the frame asked for last); the saved state, written a moment after each change, is the fallback.
        this.restoreFrame = message.resumeFrame ?? (this.restoreSession === message.session ? this.restoreFrame : undefined);
        if (this.restoreFrame !== undefined) {
          this.following = false;
          this.autoplay = false;
          this.restoreSession = undefined;
          this.buildStage(this.session);
          this.render();
        } else {
          this.restoreFrame = undefined;
          this.restoreSession = undefined;
          this.buildStage(this.session);
          this.render();
          this.revealPending = true;
        }
        this.host.stateChanged();
        return;
      }
      case 'deletionFrames': {
        const session = this.session;
        if (!session || session.id !== message.session) return;
        session.timeline.add(message.first, message.bucketStarts, message.counts, message.events, message.anomalies);
        if (message.progress) {
          this.progress = message.progress;
          this.progressFrame = this.progressOf = message.first + message.bucketStarts.length - 1;
        }
        const known = session.timeline.known;
        if (this.restoreFrame !== undefined && this.restoreFrame < known) {
          this.target = this.restoreFrame;
          this.restoreFrame = undefined;
        } else if (this.following) this.target = known - 1;
        this.pump();
        this.renderPosition();
        this.scheduleDetails();
        return;
      }
      case 'deletionEnd': {
        const id = this.session?.id ?? this.pendingId;
        if (id !== message.session) return;
        this.status = message.outcome;
        this.failure = message.message;
        this.anomalies = message.anomalies;
        if (message.progress) {
          this.progress = message.progress;
          this.progressFrame = this.progressOf = message.frames - 1;
        }
        const known = this.session?.timeline.known ?? 0;
        if (this.restoreFrame !== undefined && this.session) {
          this.target = Math.min(this.restoreFrame, known - 1);
          this.restoreFrame = undefined;
          this.pump();
        }
        if (message.outcome === 'complete' && this.autoplay && known > 1) {
          this.target = 0;
          this.pump();
          this.setPlaying(true);
        }
        this.render();
        return;
      }
    }
  }

  /** Scrolls the player to the top of the panel once it is laid out (a new deletion is what the user asked to see). */
  private reveal(): void {
    requestAnimationFrame(() => this.element.scrollIntoView({ block: 'start' }));
  }

  // ---- Building ------------------------------------------------------------------------------

  private buildStage(session: Session): void {
    const strings = this.strings;
    if (!strings) return;
    this.inspector?.dispose();
    this.stageListeners?.abort();
    const stageListeners = (this.stageListeners = new AbortController());
    const stage = buildStageParts(strings, session.image.canvas, {
      first: () => this.userSeek(0),
      back: () => this.userSeek(Math.max(0, this.position() - 1)),
      playPause: () => this.togglePlaying(),
      forward: () => this.userSeek(Math.min(session.timeline.known - 1, this.position() + 1)),
      last: () => this.userSeek(session.timeline.known - 1),
      scrub: (frame) => this.userSeek(frame),
      speed: (speed) => {
        this.speed = speed;
        this.host.stateChanged();
      },
      loop: (loop) => {
        this.loop = loop;
        this.host.stateChanged();
      },
      exportGif: () => void this.exportGif(),
    });
    stage.speed.value = String(this.speed);
    stage.loop.checked = this.loop;
    const canvas = session.image.canvas;
    canvas.setAttribute('aria-label', formatString(strings.deletionCanvasLabel, session.scope, formatCount(session.objects, this.host.locale)));
    canvas.addEventListener('keydown', (event) => this.onKey(event), { signal: stageListeners.signal });
    this.inspector = new PixelInspector(
      {
        locale: this.host.locale,
        describe: (x, y) => this.host.describePixel(session.id, x, y),
        canDescribe: () => this.session === session && this.status === 'complete',
        announce: (text) => (this.announcer.textContent = text),
        onError: (message) => {
          this.error = message;
          this.render();
        },
      },
      strings,
      session.image,
      { wrap: stage.canvasWrap, tooltip: stage.tooltip, marker: stage.marker },
    );
    this.stage = stage;
    this.legend = new StateLegend(strings, session.stateColours);
    this.chart = new DeletionChart(
      strings.deletionChartLabel,
      () => (this.session ? { timeline: this.session.timeline, colours: this.session.stateColours, shown: this.shown } : undefined),
      (frame) => this.userSeek(frame),
    );
    replaceChildren(this.body, [
      element('div', { class: 'deletion-stage' }, [stage.element]),
      element('div', { class: 'deletion-side' }, [
        this.legend.element,
        stage.events,
        element('figure', { class: 'deletion-chart-figure' }, [
          this.chart.canvas,
          element('figcaption', { class: 'deletion-chart-axis' }, [stage.axisStart, stage.axisEnd]),
        ]),
        this.progressArea,
        this.anomalyArea,
      ]),
    ]);
  }

  // ---- Rendering -----------------------------------------------------------------------------

  private render(): void {
    const strings = this.strings;
    if (!strings) return;
    const reading = this.status === 'preparing' || this.status === 'reading';
    const known = this.session?.timeline.known ?? 0;
    const stop = reading && smallButton(strings.deletionStop, { id: 'deletion-stop' });
    if (stop) stop.addEventListener('click', () => void this.stop());
    const busyText =
      this.status === 'preparing'
        ? formatString(strings.deletionPreparing, this.scope ?? '')
        : formatString(strings.deletionReading, formatCount(known, this.host.locale), formatCount(this.session?.timeline.expected ?? 0, this.host.locale));
    replaceChildren(this.statusLine, [
      reading && busyIndicator(busyText),
      stop,
      this.status === 'cancelled' && element('span', { class: 'note' }, [strings.deletionCancelled]),
      this.status === 'failed' && element('span', { class: 'error' }, [formatString(strings.deletionFailed, this.failure ?? '')]),
    ]);
    this.element.dataset.status = this.status;
    // The heading names what is played: the bucket, or the prefix the player was opened on.
    this.heading.textContent = this.scope === undefined ? strings.deletionHeading : formatString(strings.deletionHeadingOf, this.scope);
    this.statusLine.hidden = this.status === 'idle' || this.status === 'complete';
    this.intro.hidden = this.session !== undefined;
    this.body.hidden = this.session === undefined;
    this.errorLine.textContent = this.error ?? '';
    this.errorLine.hidden = this.error === undefined;
    this.renderPosition();
    this.renderDetails();
  }

  /** The controls and the legend after the frame shown, or the frames known, changed. */
  private renderPosition(): void {
    const { strings, session, stage } = this;
    if (!strings || !session || !stage) return;
    const locale = this.host.locale;
    const known = session.timeline.known;
    const total = session.timeline.span;
    const position = this.shown;
    stage.scrub.max = String(Math.max(0, known - 1));
    stage.scrub.disabled = known === 0;
    stage.scrub.value = String(Math.max(0, this.target));
    const time = position >= 0 ? session.formatTime(session.timeline.bucketStart(position)) : '';
    stage.scrub.setAttribute('aria-valuetext', position >= 0 ? formatString(strings.deletionFrameValue, position + 1, total, time) : '');
    stage.counter.textContent = formatString(strings.deletionFrameCounter, position >= 0 ? formatCount(position + 1, locale) : '—', formatCount(total, locale));
    stage.time.textContent = time;
    stage.time.dataset.time = position >= 0 ? String(session.timeline.bucketStart(position)) : '';
    stage.events.textContent = position >= 0 ? formatString(strings.deletionEvents, formatCount(session.timeline.events(position), locale)) : '';
    this.element.dataset.frame = String(position);
    this.element.dataset.frames = String(known);
    stage.playPause.replaceChildren(playerIcon(this.playing ? 'pause' : 'play'));
    stage.playPause.setAttribute('aria-label', this.playing ? strings.deletionPause : strings.deletionPlay);
    stage.playPause.title = this.playing ? strings.deletionPause : strings.deletionPlay;
    stage.playPause.setAttribute('aria-pressed', String(this.playing));
    const noFrames = known === 0;
    for (const control of [stage.first, stage.back, stage.playPause, stage.forward, stage.last]) control.disabled = noFrames;
    stage.exportButton.toggleAttribute('disabled', noFrames || this.exporting || this.status === 'reading' || this.status === 'preparing');
    stage.exportNote.textContent = this.exportNote ?? '';
    this.legend?.update(position >= 0 ? session.timeline.counts(position) : undefined, locale);
    const span = session.timeline.span;
    stage.axisStart.textContent = known > 0 ? session.formatTime(session.timeline.bucketStart(0)) : '';
    stage.axisEnd.textContent = known > 0 ? session.formatTime(session.timeline.bucketStart(known - 1)) + (known < span ? ' …' : '') : '';
    this.chart?.schedule();
  }

  private scheduleDetails(): void {
    if (this.detailsPending) return;
    this.detailsPending = true;
    requestAnimationFrame(() => {
      this.detailsPending = false;
      this.renderDetails();
      if (this.status === 'reading') this.render();
    });
  }

  private renderDetails(): void {
    const strings = this.strings;
    if (!strings) return;
    const session = this.session;
    const asOf = session && this.progressOf >= 0 && this.progressOf < session.timeline.known ? session.timeline.bucketStart(this.progressOf) : undefined;
    renderProgress(this.progressArea, this.progress, asOf, strings, this.host.locale, session?.formatTime ?? timeFormatter(this.host.locale, true));
    renderAnomalies(this.anomalyArea, this.anomalies, strings, this.host.locale);
  }

  private announce(): void {
    const { strings, session } = this;
    if (!strings || !session || this.shown < 0) return;
    const counts = session.timeline.counts(this.shown);
    const parts = STATE_NAMES.map((state, s) =>
      formatString(strings.deletionStateCount, stateLabel(strings, state), formatCount(counts[s] ?? 0, this.host.locale)),
    );
    this.announcer.textContent = formatString(
      strings.deletionCountsAnnouncement,
      this.shown + 1,
      session.formatTime(session.timeline.bucketStart(this.shown)),
      parts.join(', '),
    );
  }

  // ---- Playing -------------------------------------------------------------------------------

  /** The frame the controls start from: the one asked for (it may not be shown yet). */
  private position(): number {
    return Math.max(0, this.target);
  }

  /** A frame the user chose: playing stops, following stops, and the counts are announced once shown. */
  private userSeek(frame: number): void {
    const session = this.session;
    if (!session || frame < 0 || frame >= session.timeline.known) return;
    this.autoplay = false;
    this.following = frame === session.timeline.known - 1 && this.status === 'reading';
    this.setPlaying(false);
    this.announceNext = true;
    this.target = frame;
    this.pump();
    this.renderPosition();
    this.host.stateChanged();
  }

  private togglePlaying(): void {
    const session = this.session;
    if (!session || session.timeline.known === 0) return;
    this.autoplay = false;
    this.following = false;
    if (!this.playing && this.position() >= session.timeline.known - 1 && this.status !== 'reading') {
      this.target = 0;
      this.pump();
    }
    this.setPlaying(!this.playing);
    if (!this.playing) this.announceNext = true;
    this.host.stateChanged();
  }

  private setPlaying(playing: boolean): void {
    this.playing = playing;
    if (playing && this.frameRequest === undefined) {
      this.lastAdvance = performance.now();
      this.frameRequest = requestAnimationFrame((now) => this.tick(now));
    }
    this.renderPosition();
  }

  private tick(now: number): void {
    this.frameRequest = undefined;
    const session = this.session;
    if (!this.playing || !session) return;
    const interval = 1000 / this.speed;
    if (this.shown === this.target && !this.inFlight && now - this.lastAdvance >= interval) {
      const known = session.timeline.known;
      this.lastAdvance = now - Math.min(interval, now - this.lastAdvance - interval);
      if (this.target + 1 < known) this.target++;
      else if (this.status === 'reading' || this.status === 'preparing') {
        // At the newest frame read: wait for the next.
      } else if (this.loop && known > 1) this.target = 0;
      else {
        this.setPlaying(false);
        this.announce();
        this.host.stateChanged();
        return;
      }
      this.pump();
    }
    this.frameRequest = requestAnimationFrame((next) => this.tick(next));
  }

  /** Asks the host for the target frame, when it is not the one shown and nothing is being asked. */
  private pump(): void {
    const session = this.session;
    if (!session || this.inFlight || this.target < 0 || this.target === this.shown || this.target >= session.timeline.known) return;
    const index = this.target;
    const base = this.shown;
    this.inFlight = true;
    this.host
      .frame(session.id, index, base)
      .then((wire) => {
        if (this.session !== session) return;
        const region = decodeFrameRegion(wire, { width: session.width, height: session.height, colours: session.colours });
        if (!region || region.index !== index) throw new Error(`The host's answer for frame ${index + 1} did not fit the image.`);
        session.image.apply(region);
        this.shown = index;
        this.askProgress();
        if (this.revealPending) {
          this.revealPending = false;
          this.reveal();
        }
        this.error = undefined;
        this.errorLine.hidden = true;
        this.renderPosition();
        if (this.announceNext && !this.playing && this.shown === this.target) {
          this.announceNext = false;
          this.announce();
        }
        this.inspector?.refresh();
      })
      .catch((error: unknown) => {
        if (this.session !== session) return;
        this.error = error instanceof Error ? error.message : String(error);
        this.target = this.shown;
        this.setPlaying(false);
        this.render();
      })
      .finally(() => {
        if (this.session !== session) return;
        this.inFlight = false;
        this.pump();
      });
  }

  /**
   * Asks the host for the progress as it was after the frame shown (the partitions and the estimate
   * then), one request at a time and at most four a second while playing.
   */
  private askProgress(): void {
    const session = this.session;
    if (!session || this.progressInFlight || this.shown < 0 || this.shown === this.progressFrame) return;
    const wait = this.playing ? 250 - (performance.now() - this.lastProgressAsk) : 0;
    if (wait > 0) {
      this.progressTimer ??= setTimeout(() => {
        this.progressTimer = undefined;
        this.askProgress();
      }, wait);
      return;
    }
    const index = this.shown;
    this.progressInFlight = true;
    this.lastProgressAsk = performance.now();
    this.host
      .progress(session.id, index)
      .then((answer) => {
        if (this.session !== session) return;
        this.progress = answer.progress;
        // The answer stands for every frame from the one it is of up to the one asked for.
        this.progressFrame = index;
        this.progressOf = answer.frame;
        this.scheduleDetails();
      })
      .catch(() => {
        // The progress of the newest frame read stays shown.
      })
      .finally(() => {
        if (this.session !== session) return;
        this.progressInFlight = false;
        this.askProgress();
      });
  }

  private onKey(event: KeyboardEvent): void {
    const session = this.session;
    if (!session) return;
    if (this.inspector?.onKey(event)) {
      event.preventDefault();
      return;
    }
    const known = session.timeline.known;
    const actions: Record<string, () => void> = {
      ' ': () => this.togglePlaying(),
      k: () => this.togglePlaying(),
      ArrowLeft: () => this.userSeek(Math.max(0, this.position() - 1)),
      ArrowRight: () => this.userSeek(Math.min(known - 1, this.position() + 1)),
      Home: () => this.userSeek(0),
      End: () => this.userSeek(known - 1),
      Escape: () => this.inspector?.hide(),
    };
    const action = actions[event.key];
    if (action && !event.ctrlKey && !event.metaKey && !event.altKey) {
      action();
      event.preventDefault();
    }
  }

  // ---- Host work -----------------------------------------------------------------------------

  private async playCommand(): Promise<void> {
    try {
      await this.host.play();
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      this.render();
    }
  }

  private async stop(): Promise<void> {
    const id = this.session?.id ?? this.pendingId;
    if (id === undefined) return;
    try {
      await this.host.cancel(id);
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      this.render();
    }
  }

  private async exportGif(): Promise<void> {
    const session = this.session;
    const strings = this.strings;
    if (!session || !strings || this.exporting) return;
    this.exporting = true;
    this.exportNote = undefined;
    this.renderPosition();
    try {
      const result = await this.host.exportGif(session.id, Math.round(1000 / this.speed));
      if (result && this.session === session)
        this.exportNote = formatString(
          strings.deletionExported,
          result.path,
          formatCount(result.frames, this.host.locale),
          formatBytes(result.bytes, this.host.locale),
        );
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    } finally {
      this.exporting = false;
      this.render();
    }
  }

  private reset(): void {
    this.setPlaying(false);
    this.session = undefined;
    this.stage = undefined;
    this.legend = undefined;
    this.chart = undefined;
    this.pendingId = undefined;
    this.status = 'idle';
    this.failure = undefined;
    this.error = undefined;
    this.progress = undefined;
    this.progressFrame = -1;
    this.progressOf = -1;
    this.progressInFlight = false;
    if (this.progressTimer !== undefined) clearTimeout(this.progressTimer);
    this.progressTimer = undefined;
    this.anomalies = undefined;
    this.shown = -1;
    this.target = -1;
    this.inFlight = false;
    this.following = true;
    this.autoplay = true;
    this.exportNote = undefined;
    this.inspector?.dispose();
    this.inspector = undefined;
    this.stageListeners?.abort();
    this.stageListeners = undefined;
    replaceChildren(this.body, []);
  }
}
