// The keyboard as a user without a mouse drives the page.
import assert from 'node:assert/strict';

/** Presses Tab (Shift+Tab with `back`) until the focused element matches `target` (a test id or a selector). */
export async function tabTo(page, target, { back = false, limit = 80 } = {}) {
  const selector = target.includes('[') ? target : `[data-testid="${target}"]`;
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** Space on the focused file picker, then `files` chosen in the chooser it opens. */
export async function chooseWithKeyboard(page, files) {
  let chooser;
  // Headless Chromium now and then drops the first key press on a file input: press again.
  for (let attempt = 0; !chooser && attempt < 3; attempt++) {
    [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 10_000 }).catch(() => null), page.keyboard.press('Space')]);
  }
  assert.ok(chooser, 'Space on the focused picker opens the file chooser');
  await chooser.setFiles(files);
}

/**
 * Chooses `label` in the focused, closed `<select>` with the arrow keys (each step is a
 * change, as for a user); returns the label chosen.
 */
export async function chooseWithArrows(page, label) {
  const [labels, at] = await page.evaluate(() => [[...document.activeElement.options].map((o) => o.text), document.activeElement.selectedIndex]);
  const to = labels.indexOf(label);
  assert.ok(to >= 0, `no option “${label}” in ${labels.join(', ')}`);
  for (let i = at; i !== to; i += Math.sign(to - at)) await page.keyboard.press(to > at ? 'ArrowDown' : 'ArrowUp');
  return label;
}
