/** One floating read-out per panel, placed next to the pointer and kept inside the window. */
export class Tooltip {
  private readonly el: HTMLDivElement;

  constructor(parent: HTMLElement = document.body) {
    this.el = document.createElement('div');
    this.el.className = 'tooltip';
    this.el.setAttribute('role', 'tooltip');
    this.el.hidden = true;
    parent.append(this.el);
  }

  /** Lines of text; the first is bold. */
  show(lines: string[], clientX: number, clientY: number): void {
    this.el.replaceChildren(
      ...lines.map((line, i) => {
        const div = document.createElement('div');
        if (i === 0) div.className = 'tooltip-title';
        div.textContent = line;
        return div;
      }),
    );
    this.el.hidden = false;
    const pad = 12;
    const { width, height } = this.el.getBoundingClientRect();
    const x = clientX + pad + width > window.innerWidth ? clientX - pad - width : clientX + pad;
    const y = clientY + pad + height > window.innerHeight ? clientY - pad - height : clientY + pad;
    this.el.style.setProperty('left', `${Math.max(0, x)}px`);
    this.el.style.setProperty('top', `${Math.max(0, y)}px`);
  }

  hide(): void {
    this.el.hidden = true;
  }
}
