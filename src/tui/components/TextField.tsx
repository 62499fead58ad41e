import React, { useRef } from 'react';
import { useInput } from 'ink';
import { Text } from './Text.js';
import { editLine } from '../keys.js';

export interface TextFieldProps {
  /** Current text. */
  value: string;
  onChange: (value: string) => void;
  /** Enter; also a paste that ends in a newline. */
  onSubmit?: (value: string) => void;
  /** Takes keys only when focused. */
  focus: boolean;
  /** Show this character instead of each typed one (passwords). */
  mask?: string;
  placeholder?: string;
  /** Draw the cursor in inverse video (off when the terminal has no attributes to spare). */
  cursor?: boolean;
  /** Asked at each key: false when focus moved away in keys not yet rendered. */
  stillFocused?: () => boolean;
}

/** A one-line text input: control characters never reach its value (editLine in ../keys.ts). */
export function TextField({ value, onChange, onSubmit, focus, mask, placeholder, cursor = true, stillFocused }: TextFieldProps): React.ReactElement {
  // Keys that arrive before React re-renders (typed fast, or text then Enter in one read)
  // must build on each other, not on the value of the last render.
  const latest = useRef(value);
  latest.current = value;
  const change = (next: string) => {
    latest.current = next;
    onChange(next);
  };
  // A key delivered to a field that lost the focus in a render whose effects have not run yet.
  const focused = useRef(focus);
  focused.current = focus;
  useInput(
    (input, key) => {
      if (!focused.current || (stillFocused && !stillFocused())) return;
      if (key.upArrow || key.downArrow || key.tab || key.escape || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown || key.home || key.end) return;
      const before = latest.current;
      const edit = editLine(before, input, key);
      if (edit.value !== before) change(edit.value);
      if (edit.submit) onSubmit?.(edit.value);
    },
    { isActive: focus },
  );
  const shown = mask ? mask.repeat(Array.from(value).length) : value;
  if (!shown && placeholder && !focus) return <Text dimColor>{placeholder}</Text>;
  return (
    // One line whatever is typed: a value wider than the field shows its end, never wraps or pushes a border.
    <Text wrap="truncate-start">
      {shown}
      {focus && cursor ? <Text inverse> </Text> : focus ? '_' : ''}
    </Text>
  );
}
