import { render } from 'preact';
import { BlockedGate } from '../../src/ui/BlockedGate';
import { Gate } from '../../src/ui/Gate';
import { t, uiLanguage } from '../../src/ui/i18n';
import '../../src/ui/base.css';

document.documentElement.lang = uiLanguage();
const root = document.getElementById('app');
const BLOCKED = '#blocked=';
if (root && window.top !== window) {
  // The gate is web-accessible so that network rules can redirect to it; a SIS page must not frame it to
  // trick an SRO into clicking through.
  root.textContent = t('gateFramed');
} else if (root && location.hash.startsWith(BLOCKED)) {
  render(<BlockedGate url={location.hash.slice(BLOCKED.length)} />, root);
} else if (root) {
  render(<Gate gateId={location.hash.slice(1)} />, root);
}
