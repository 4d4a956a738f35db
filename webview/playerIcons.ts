// The deletion player's transport icons: small SVGs built with DOM APIs, drawn in the button's
// text colour (the theme's), so they need no icon font and no markup.

export type PlayerIcon = 'first' | 'back' | 'play' | 'pause' | 'forward' | 'last';

const SVG = 'http://www.w3.org/2000/svg';

/** 16×16 paths: triangles and bars. */
const PATHS: Record<PlayerIcon, string> = {
  play: 'M4 2.5v11l9-5.5z',
  pause: 'M3.5 2.5h3v11h-3zM9.5 2.5h3v11h-3z',
  first: 'M2.5 2.5h2v11h-2zM14 2.5v11L5.5 8z',
  last: 'M11.5 2.5h2v11h-2zM2 2.5v11L10.5 8z',
  back: 'M3 2.5h2v11H3zM13 3v10L6 8z',
  forward: 'M11 2.5h2v11h-2zM3 3v10l7-5z',
};

export function playerIcon(name: PlayerIcon): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '14');
  svg.setAttribute('height', '14');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', PATHS[name]);
  path.setAttribute('fill', 'currentColor');
  svg.appendChild(path);
  return svg;
}
