type Rule = Browser.declarativeNetRequest.Rule;

/**
 * What Chromium does with a request under these rules (declarativeNetRequest's precedence: the highest
 * priority wins; at one priority allow beats block beats redirect). The rules' regexes use only what JavaScript
 * and RE2 read alike, so JavaScript can evaluate them here.
 */
export function outcome(rules: readonly Rule[], url: string, type: string, method = 'get'): string {
  const matching = rules.filter(
    (rule) =>
      (rule.condition.resourceTypes ?? []).includes(type as never) &&
      (rule.condition.requestMethods === undefined ||
        rule.condition.requestMethods.includes(method as never)) &&
      new RegExp(rule.condition.regexFilter ?? '$^', rule.condition.isUrlFilterCaseSensitive ? '' : 'i').test(
        url,
      ),
  );
  if (matching.length === 0) return 'none';
  const top = Math.max(...matching.map((rule) => rule.priority ?? 1));
  const actions = matching.filter((rule) => (rule.priority ?? 1) === top).map((rule) => rule.action.type);
  for (const action of ['allow', 'block', 'redirect']) if (actions.includes(action as never)) return action;
  return 'none';
}
