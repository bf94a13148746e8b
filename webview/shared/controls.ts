/**
 * Toolbar controls built from @vscode-elements/elements. Only the components used are imported, each by its own
 * module, to keep the bundles small.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js';
import type { VscodeRadio } from '@vscode-elements/elements/dist/vscode-radio/vscode-radio.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';

export interface Choice<V extends string> {
  value: V;
  label: string;
}

function captioned(caption: string, control: HTMLElement): HTMLElement {
  const group = document.createElement('div');
  group.className = 'group';
  const label = document.createElement('label');
  label.className = 'caption';
  label.textContent = caption;
  group.append(label, control);
  return group;
}

export interface SelectControl<V extends string> {
  element: HTMLElement;
  /** Replace the choices (keeps `value` when it is still a choice). */
  setChoices(choices: Choice<V>[], value: V): void;
}

export function select<V extends string>(
  caption: string,
  id: string,
  choices: Choice<V>[],
  value: V,
  onChange: (v: V) => void,
): SelectControl<V> {
  const el = document.createElement('vscode-single-select') as VscodeSingleSelect;
  el.id = id;
  el.setAttribute('aria-label', caption);
  const setChoices = (cs: Choice<V>[], v: V) => {
    el.replaceChildren(
      ...cs.map((c) => {
        const o = document.createElement('vscode-option');
        o.setAttribute('value', c.value);
        o.textContent = c.label;
        if (c.value === v) o.setAttribute('selected', '');
        return o;
      }),
    );
    el.value = v;
  };
  setChoices(choices, value);
  el.addEventListener('change', () => onChange(el.value as V));
  return { element: captioned(caption, el), setChoices };
}

export function radios<V extends string>(
  caption: string,
  name: string,
  choices: Choice<V>[],
  value: V,
  onChange: (v: V) => void,
): HTMLElement {
  const group = document.createElement('vscode-radio-group');
  group.setAttribute('aria-label', caption);
  for (const c of choices) {
    const r = document.createElement('vscode-radio') as VscodeRadio;
    r.name = name;
    r.value = c.value;
    r.label = c.label;
    r.checked = c.value === value;
    r.dataset.value = c.value;
    r.addEventListener('change', () => r.checked && onChange(c.value));
    group.append(r);
  }
  return captioned(caption, group);
}

export function checkbox(label: string, id: string, checked: boolean, onChange: (checked: boolean) => void): HTMLElement {
  const box = document.createElement('vscode-checkbox') as VscodeCheckbox;
  box.id = id;
  box.label = label;
  box.checked = checked;
  box.addEventListener('change', () => onChange(box.checked));
  return box;
}

/** The panel's title line: the heading and a summary the panel keeps up to date. */
export function panelHeader(heading: string): { header: HTMLElement; title: HTMLHeadingElement; summary: HTMLSpanElement } {
  const header = document.createElement('header');
  header.className = 'panel-header';
  const title = document.createElement('h1');
  title.textContent = heading;
  const summary = document.createElement('span');
  summary.className = 'summary';
  header.append(title, summary);
  return { header, title, summary };
}

/** What the panel says while it has nothing to draw (waiting for the host, or nothing to show). */
export function emptyNote(text: string): HTMLElement {
  const empty = document.createElement('div');
  empty.className = 'empty';
  empty.textContent = text;
  return empty;
}

export function toolbar(...children: HTMLElement[]): HTMLElement {
  const bar = document.createElement('div');
  bar.className = 'toolbar';
  bar.setAttribute('role', 'toolbar');
  bar.append(...children);
  return bar;
}

export function spacer(): HTMLElement {
  const s = document.createElement('div');
  s.className = 'spacer';
  return s;
}
