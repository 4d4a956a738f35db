// Types for the part of gifenc (https://github.com/mattdesl/gifenc, MIT) that the deletion GIF uses;
// the package ships none.
declare module 'gifenc' {
  export interface GifStream {
    bytesView(): Uint8Array;
  }
  export interface WriteFrameOptions {
    /** The first frame (manual mode): writes the logical screen, the global colour table and the loop extension. */
    first?: boolean;
    palette?: number[][] | null;
    /** Milliseconds; written in hundredths of a second. */
    delay?: number;
    /** -1: no loop extension (play once); 0: loop forever; n: n extra times. */
    repeat?: number;
    transparent?: boolean;
    transparentIndex?: number;
    /** The GIF disposal method (0–7); -1 lets gifenc choose. */
    dispose?: number;
    colorDepth?: number;
  }
  export interface GifEncoderInstance {
    reset(): void;
    finish(): void;
    bytes(): Uint8Array;
    bytesView(): Uint8Array;
    writeHeader(): void;
    writeFrame(index: Uint8Array, width: number, height: number, options?: WriteFrameOptions): void;
    readonly stream: GifStream;
  }
  export function GIFEncoder(options?: { initialCapacity?: number; auto?: boolean }): GifEncoderInstance;
}
