/**
 * Ink's Text, with every child string made safe for the terminal (../safe-text.ts): the one
 * place the console's text reaches Ink. Screens and components import Text from here, never
 * from 'ink' (test/tui/core/sanitize.test.tsx checks), so no view can draw a stored ESC sequence.
 *
 * Newlines are kept where the text wraps (Ink breaks the line there); in a truncated
 * one-line Text, and anything nested in one, a newline is shown as ␤ like any control.
 */
import React, { createContext, useContext } from 'react';
import { Text as InkText, type TextProps } from 'ink';
import { safeText } from '../safe-text.js';

const OneLine = createContext(false);

function clean(node: React.ReactNode, keepNewlines: boolean): React.ReactNode {
  if (typeof node === 'string') return safeText(node, { keepNewlines });
  if (Array.isArray(node)) return node.map((n) => clean(n, keepNewlines));
  return node;
}

export type { TextProps };

export function Text({ children, ...props }: TextProps): React.ReactElement {
  const inOneLine = useContext(OneLine);
  const oneLine = inOneLine || Boolean(props.wrap?.startsWith('truncate'));
  const inner = <InkText {...props}>{clean(children, !oneLine)}</InkText>;
  return oneLine && !inOneLine ? <OneLine.Provider value>{inner}</OneLine.Provider> : inner;
}
