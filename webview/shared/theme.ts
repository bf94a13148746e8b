/**
 * Concrete theme colours for what CSS variables cannot do by themselves: colour interpolation for scales, and
 * standalone SVG/PNG exports. Everything comes from VS Code's --vscode-* variables, re-read when the theme changes
 * (VS Code swaps the body classes vscode-light / vscode-dark / vscode-high-contrast(-light) and the variables).
 */
import * as d3 from 'd3';

export interface ThemeColours {
  kind: 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';
  foreground: string;
  background: string;
  muted: string;
  lines: string;
  /** Border every mark gets in high-contrast themes; undefined elsewhere. */
  contrastBorder?: string;
  focus: string;
  /** Distinct series colours, base chart colours first. */
  series: string[];
  /** Ends of the sequential scale used to colour blocks. */
  scaleLow: string;
  scaleHigh: string;
}

const chartColours = ['blue', 'orange', 'green', 'purple', 'red', 'yellow'];

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  return style.getPropertyValue(name).trim() || fallback;
}

export function themeKind(): ThemeColours['kind'] {
  const c = document.body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  return c.contains('vscode-light') ? 'light' : 'dark';
}

export function readTheme(): ThemeColours {
  const style = getComputedStyle(document.body);
  const kind = themeKind();
  const foreground = cssVar(style, '--vscode-foreground', kind.endsWith('light') || kind === 'light' ? '#333333' : '#cccccc');
  const background = cssVar(
    style,
    '--vscode-editor-background',
    kind === 'light' || kind === 'high-contrast-light' ? '#ffffff' : '#1e1e1e',
  );
  const base = chartColours.map((c) => cssVar(style, `--vscode-charts-${c}`, foreground));
  // Beyond the six chart colours, lighter and darker variants keep up to 18 runs distinguishable by colour alone
  // (the legend and dash patterns tell the rest apart).
  const lighter = base.map((c) => d3.color(c)?.brighter(0.8).formatHex() ?? c);
  const darker = base.map((c) => d3.color(c)?.darker(0.8).formatHex() ?? c);
  const highContrast = kind.startsWith('high-contrast');
  const scaleHigh = base[0];
  return {
    kind,
    foreground,
    background,
    muted: cssVar(style, '--vscode-descriptionForeground', foreground),
    lines: cssVar(style, '--vscode-charts-lines', foreground),
    contrastBorder: highContrast ? cssVar(style, '--vscode-contrastBorder', foreground) : undefined,
    focus: cssVar(style, '--vscode-focusBorder', base[0]),
    series: [...base, ...lighter, ...darker],
    scaleLow: d3.interpolateRgb(background, scaleHigh)(highContrast ? 0.25 : 0.12),
    scaleHigh,
  };
}

/** Call `listener` after every theme switch (the body's class attribute changes with it). */
export function onThemeChange(listener: (theme: ThemeColours) => void): void {
  new MutationObserver(() => listener(readTheme())).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}
