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
  // "#blocked=<nonce>:<url>": the nonce ends at the first colon (a URL's own colons come after it).
  const rest = location.hash.slice(BLOCKED.length);
  const colon = rest.indexOf(':');
  render(<BlockedGate nonce={colon === -1 ? '' : rest.slice(0, colon)} url={rest.slice(colon + 1)} />, root);
} else if (root) {
  render(<Gate gateId={location.hash.slice(1)} />, root);
}
