/**
 * The study panel's host side: reads the study (src/runs/study/loadStudy.ts) of a runs folder and some of its
 * searches, sends it whole, and reads it again when the webview asks (Refresh). The three views, the fits and the
 * figure are computed in the webview from core code, the same code `mlbtc study` runs headless.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { sweepKeys } from '../../../core/study/study';
import type { StudyFromWebview, StudyState, StudyToWebview } from '../../../protocol/webview';
import { loadStudy } from '../../../runs/study/loadStudy';
import { PanelController, type PanelServices } from '../panelController';

export const STUDY_VIEW_TYPE = 'mlbtc.study';

/** What a study panel shows: a runs folder and the searches in it (none: every search, else every run). */
export interface StudySubject {
  runsDir: string;
  searchIds: string[];
}

export function isStudyState(value: unknown): value is StudyState {
  const v = value as Partial<StudyState> | undefined;
  return typeof v?.runsDir === 'string' && Array.isArray(v.searchIds) && v.searchIds.every((s) => typeof s === 'string');
}

export function studyTitle(subject: StudySubject): string {
  return subject.searchIds.length ? `Study: ${subject.searchIds.join(', ')}` : `Study: ${path.basename(subject.runsDir)}`;
}

export class StudyPanel extends PanelController<StudyToWebview, StudyFromWebview> {
  constructor(
    panel: vscode.WebviewPanel,
    services: PanelServices,
    readonly subject: StudySubject,
  ) {
    super('study', panel, services);
  }

  static create(services: PanelServices, subject: StudySubject): StudyPanel {
    const panel = vscode.window.createWebviewPanel(
      STUDY_VIEW_TYPE,
      studyTitle(subject),
      { viewColumn: vscode.ViewColumn.Active },
      { retainContextWhenHidden: false },
    );
    return new StudyPanel(panel, services, subject);
  }

  private dataMessage(): StudyToWebview {
    const subject = this.subject.searchIds.length
      ? `${this.subject.searchIds.join(', ')} in ${this.subject.runsDir}`
      : this.subject.runsDir;
    try {
      const data = loadStudy(this.subject.runsDir, this.subject.searchIds);
      return { type: 'study/data', subject, ...this.subject, data, sweepKeys: sweepKeys(data) };
    } catch (e) {
      return {
        type: 'study/data',
        subject,
        ...this.subject,
        data: null,
        problem: e instanceof Error ? e.message : String(e),
        sweepKeys: ['rank'],
      };
    }
  }

  protected snapshot(): StudyToWebview[] {
    return [this.dataMessage()];
  }

  protected onMessage(message: StudyFromWebview): void {
    if (message.type === 'study/refresh') this.post(this.dataMessage());
  }

  protected override exportFolder(): vscode.Uri | undefined {
    return vscode.Uri.file(this.subject.runsDir);
  }
}
