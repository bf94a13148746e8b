/** Adopt CSS text as constructable stylesheets: allowed by a CSP without 'unsafe-inline', unlike <style> elements. */
export function adoptStyles(...cssTexts: string[]): void {
  document.adoptedStyleSheets = cssTexts.map((text) => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(text);
    return sheet;
  });
}
