/**
 * Password resets at the appliance's own screen and keyboard (issue 15, "Power and recovery"),
 * from the login screen with Ctrl-R: no Calypso login needed, as on a storage appliance's console
 * menu. The daemon decides whether this console is the local one (docs/security.md, "Local
 * console"): here, over SSH or in a terminal window the answer is a refusal that says so. The
 * account typed first is also the typed confirmation the operations ask for.
 */
import React, { useState } from 'react';
import { Box, useInput } from 'ink';
import { Text } from './components/Text.js';
import { TextField } from './components/TextField.js';
import { errorMessage } from '../contracts/errors.js';
import type { ConsoleServices } from './context.js';

const LABELS = ['Account (or root)', 'New password', 'Again'] as const;

export function RecoveryPanel({ services, onClose }: { services: ConsoleServices; onClose: () => void }): React.ReactElement {
  const { theme, app } = services;
  const [values, setValues] = useState<[string, string, string]>(['', '', '']);
  const [field, setField] = useState(0);
  const [result, setResult] = useState<{ text: string; ok: boolean } | null>(null);
  const [sending, setSending] = useState(false);

  const submit = async () => {
    const [account, pw, again] = values;
    if (!account) return setField(0);
    if (!pw) return setField(1);
    if (pw !== again) {
      setValues([account, '', '']);
      setField(1);
      return setResult({ text: 'The passwords do not match; type them again.', ok: false });
    }
    setSending(true);
    try {
      const out =
        account === 'root'
          ? await app.call('appliance.recovery.root', { newPassword: pw, confirm: 'root' })
          : await app.call('appliance.recovery.password', { username: account, newPassword: pw, confirm: account });
      setResult({ text: out.text, ok: true });
      setValues(['', '', '']);
      setField(0);
    } catch (err) {
      setResult({ text: errorMessage(err), ok: false });
      setValues([account, '', '']);
      setField(1);
    } finally {
      setSending(false);
    }
  };

  useInput((_input, key) => {
    if (key.escape) return onClose();
    if (sending) return;
    if (key.tab || key.downArrow) setField((f) => (f + 1) % 3);
    else if (key.upArrow) setField((f) => (f + 2) % 3);
  });

  return (
    <Box flexDirection="column">
      <Text bold wrap="wrap">
        Reset a password (the appliance&apos;s own console only)
      </Text>
      <Text> </Text>
      {LABELS.map((label, i) => (
        <Box key={label}>
          <Text bold={field === i}>
            {field === i ? theme.pointer : ' '} {label.padEnd(18)}
          </Text>
          <TextField
            value={values[i]!}
            mask={i === 0 ? undefined : '*'}
            focus={field === i && !sending}
            onChange={(v) => setValues((old) => old.map((x, j) => (j === i ? v : x)) as [string, string, string])}
            onSubmit={() => (i < 2 ? setField(i + 1) : void submit())}
          />
        </Box>
      ))}
      <Text> </Text>
      {result ? (
        <Text color={theme.c(result.ok ? 'green' : 'red')} wrap="wrap">
          {result.text}
        </Text>
      ) : (
        <Text dimColor wrap="wrap">
          {sending ? 'Resetting...' : 'Enter next/reset  Tab next field  Esc back to the login'}
        </Text>
      )}
    </Box>
  );
}
