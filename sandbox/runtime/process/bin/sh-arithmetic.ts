// $((…)): integer arithmetic as sh does it — + - * / % with parentheses, unary minus and !, comparisons
// (< <= > >= == !=) and && ||; bare names are variables (unset or non-numeric is 0). Undefined on bad syntax
// or division by zero.

export function arithmetic(expression: string, vars: Record<string, string>): number | undefined {
  const tokens = expression.match(/\s*(\d+|[A-Za-z_][A-Za-z0-9_]*|<=|>=|==|!=|&&|\|\||[-+*/%()<>!])\s*/gy);
  if (!tokens || tokens.join('').length !== expression.length) return undefined;
  const list = tokens.map((t) => t.trim());
  let pos = 0;
  const num = (n: number) => (Number.isFinite(n) ? Math.trunc(n) : NaN);
  const binary = (levels: string[][], level: number): number => {
    if (level === levels.length) return unary();
    let left = binary(levels, level + 1);
    while (levels[level].includes(list[pos])) {
      const op = list[pos++];
      const right = binary(levels, level + 1);
      switch (op) {
        case '||': left = left || right ? 1 : 0; break;
        case '&&': left = left && right ? 1 : 0; break;
        case '==': left = left === right ? 1 : 0; break;
        case '!=': left = left !== right ? 1 : 0; break;
        case '<': left = left < right ? 1 : 0; break;
        case '<=': left = left <= right ? 1 : 0; break;
        case '>': left = left > right ? 1 : 0; break;
        case '>=': left = left >= right ? 1 : 0; break;
        case '+': left = num(left + right); break;
        case '-': left = num(left - right); break;
        case '*': left = num(left * right); break;
        case '/': left = right === 0 ? NaN : num(left / right); break;
        case '%': left = right === 0 ? NaN : num(left % right); break;
      }
    }
    return left;
  };
  const levels = [['||'], ['&&'], ['==', '!='], ['<', '<=', '>', '>='], ['+', '-'], ['*', '/', '%']];
  const unary = (): number => {
    const t = list[pos++];
    if (t === '-') return -unary();
    if (t === '+') return unary();
    if (t === '!') return unary() ? 0 : 1;
    if (t === '(') {
      const v = binary(levels, 0);
      if (list[pos++] !== ')') return NaN;
      return v;
    }
    if (t !== undefined && /^\d+$/.test(t)) return Number(t);
    if (t !== undefined && /^[A-Za-z_]/.test(t)) {
      const v = Number(vars[t] ?? 0);
      return Number.isInteger(v) ? v : 0;
    }
    return NaN;
  };
  if (!list.length) return 0;
  const value = binary(levels, 0);
  return pos === list.length && Number.isFinite(value) ? value : undefined;
}
