// Bytes, money, counts and ages as people read them, in one place for every surface: the tree, the
// panel, the results view, notifications and the CLI. Locale-aware: the extension sets VS Code's
// display language once (setDisplayLocale), the CLI keeps the runtime's, a webview passes its own.
// Pure: no Node or VS Code imports, so the webview bundles share it.

let displayLocale: string | undefined;

/** The locale numbers are written in when a call names none; undefined: the runtime's default. */
export function setDisplayLocale(locale: string | undefined): void {
  displayLocale = locale;
}

export function getDisplayLocale(): string | undefined {
  return displayLocale;
}

const formatters = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: string | undefined, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const id = `${locale ?? ''}|${JSON.stringify(options)}`;
  let format = formatters.get(id);
  if (!format) {
    try {
      format = new Intl.NumberFormat(locale, options);
    } catch {
      // An unknown locale tag from the editor or the environment must not break what is shown.
      format = new Intl.NumberFormat('en', options);
    }
    formatters.set(id, format);
  }
  return format;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** Binary units, as S3's console and the prices (per GB = 2^30 bytes) count: 1610612736 → `1.5 GiB`. */
export function formatBytes(bytes: number, locale: string | undefined = displayLocale): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  if (bytes < 1024) return `${numberFormat(locale, { maximumFractionDigits: 0 }).format(bytes)} B`;
  let unit = 0;
  let value = bytes;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = value < 10 ? 2 : value < 100 ? 1 : 0;
  return `${numberFormat(locale, { maximumFractionDigits: digits }).format(value)} ${BYTE_UNITS[unit]}`;
}

/**
 * US dollars. Amounts under a dollar keep up to four decimals so small savings do not read as
 * $0.00; amounts under a cent (request costs) keep two significant digits: `$0.000048`.
 */
export function formatUsd(amount: number, locale: string | undefined = displayLocale): string {
  const magnitude = Math.abs(amount);
  if (amount !== 0 && magnitude < 0.01) return numberFormat(locale, { style: 'currency', currency: 'USD', maximumSignificantDigits: 2 }).format(amount);
  const small = amount !== 0 && magnitude < 1;
  return numberFormat(locale, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: small ? 4 : 2 }).format(amount);
}

/** A whole count with the locale's grouping: `1,234,567`. */
export function formatCount(n: number, locale: string | undefined = displayLocale): string {
  return numberFormat(locale, { maximumFractionDigits: 0 }).format(n);
}

/** A number with at most `digits` decimals, with the locale's separators: `1.2`. */
export function formatDecimal(n: number, digits: number, locale: string | undefined = displayLocale): string {
  return numberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
}

/** How long ago `then` was, relative to `now`: `5 min`, `3 h`, `12 days`, `2.4 years`. */
export function formatAge(then: Date, now: Date = new Date()): string {
  const seconds = Math.max(0, (now.getTime() - then.getTime()) / 1000);
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h`;
  const days = seconds / 86400;
  if (days < 365) return `${Math.floor(days)} day${Math.floor(days) === 1 ? '' : 's'}`;
  return `${formatDecimal(days / 365, 1)} years`;
}
