/**
 * Who drives a search, as the Experiments view says it and as its menus act on it: this window ("searching", Stop),
 * another window or `mlbtc search` ("driven by …", Stop, or Resume to drive it here), nobody ("stopped", or about
 * to be taken over: Resume), or it is done ("finished").
 */
import { controllerOwnerOf } from '../../runs/search/controller';
import { searchControl } from '../../runs/search/searchControl';
import type { SearchRef } from './searchDriver';

/** `context` completes the tree item's contextValue mlbtc.experiment.search.<context> (package.json menus). */
export interface SearchControlText {
  text: string;
  context: 'driving' | 'elsewhere' | 'idle' | 'finished';
}

export function searchControlHere(ref: SearchRef, drivenHere: boolean): SearchControlText {
  if (drivenHere) return { text: 'searching', context: 'driving' };
  let control;
  try {
    control = searchControl(ref.root, ref.id);
  } catch {
    return { text: '', context: 'idle' }; // an unreadable search folder: its runs are still listed
  }
  switch (control.kind) {
    case 'driven':
      return { text: `driven by ${controllerOwnerOf(control.by)}`, context: 'elsewhere' };
    case 'finished':
      return { text: 'finished', context: 'finished' };
    case 'stopped':
      return { text: 'stopped', context: 'idle' };
    case 'orphaned':
      return { text: 'no controller', context: 'idle' };
  }
}
