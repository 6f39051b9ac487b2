import { launchBrowser } from './support/browser';
import { putRecords } from './support/extension-db';
import { settled, noticeText } from './support/guard';
import { startDemoSis, signIn, recordUrl } from './support/sis';
const sis = await startDemoSis();
const b = await launchBrowser();
await signIn(b.context, sis, 'officer.diaz');
await putRecords(b.worker, 'students', [{ id: '100000', birthDate: '2011-04-17' }]);
const page = await b.context.newPage();
await page.goto(recordUrl(sis, 'grades', '100000'));
console.log(await settled(page, true), await noticeText(page));
const gatePromise = b.context.waitForEvent('page');
await page.keyboard.press('Tab');
await page.keyboard.press('Enter');
const gate = await gatePromise;
await gate.waitForLoadState();
await gate.waitForSelector('form');
await gate.screenshot({ path: '/tmp/gate.png', fullPage: true });
await gate.check('#basis-health-safety-emergency');
await gate.fill('#evidence-threat', 'Student reported a classmate brought a knife to campus');
await gate.fill('#evidence-incident-number', 'NPD-2026-1142');
await gate.fill('#justification', 'asdfasdf');
await gate.check('#attestation');
await gate.click('button[type=submit]');
await gate.waitForTimeout(500);
await gate.screenshot({ path: '/tmp/gate-junk.png', fullPage: true });
await gate.fill(
  '#justification',
  'A student reported that a classmate has a knife; I need the grades page to see his schedule and find him now.',
);
await gate.click('button[type=submit]');
await gate.waitForTimeout(800);
await gate.screenshot({ path: '/tmp/gate-ok.png', fullPage: true });
console.log('after grant covered?', await settled(page, false));
await page.screenshot({ path: '/tmp/after-grant.png' });
await b.dispose();
await sis.close();
