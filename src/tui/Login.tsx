/** The login screen (and the idle lock): IAM's auth.login through the console face. */
import React, { useContext, useState } from 'react';
import { Box, useInput } from 'ink';
import { Text } from './components/Text.js';
import { errorMessage } from '../contracts/errors.js';
import { TextField } from './components/TextField.js';
import type { ConsoleServices } from './context.js';
import { KeyGateContext } from './key-gate.js';
import { useTerminalSize } from './hooks/use-terminal-size.js';
import { RecoveryPanel } from './recovery.js';

export function Login({
  services,
  username: initialUser = '',
  onLoggedIn,
}: {
  services: ConsoleServices;
  username?: string;
  onLoggedIn: () => void;
}): React.ReactElement {
  const { theme, options, session } = services;
  const { columns, rows } = useTerminalSize();
  const [username, setUsername] = useState(initialUser);
  const [password, setPassword] = useState('');
  const [field, setField] = useState<0 | 1>(initialUser ? 1 : 0);
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  // Failed attempts on this screen: after a few, the service delays each check (never refuses one here).
  const [failures, setFailures] = useState(0);
  const keyGate = useContext(KeyGateContext);
  // Ctrl-R: password resets, for the appliance's own console (the daemon refuses elsewhere).
  const [recovery, setRecovery] = useState(false);

  const submit = async (user: string, pw: string) => {
    if (sending) return;
    if (!user) return setField(0);
    if (!pw) return setField(1);
    setSending(true);
    setError(null);
    // Keys typed ahead while the login is on the wire are for the Shell; it releases them when it listens.
    keyGate.hold();
    try {
      await services.busy.track(session.login(user, pw));
      onLoggedIn();
    } catch (err) {
      keyGate.release();
      setSending(false);
      setPassword('');
      setFailures((n) => n + 1);
      setError(errorMessage(err));
    }
  };

  useInput((input, key) => {
    if (key.ctrl && input === 'c') return services.quit();
    if (sending || recovery) return;
    if (key.ctrl && input === 'r') return setRecovery(true);
    if (key.tab || key.downArrow || key.upArrow) setField((f) => (f === 0 ? 1 : 0));
  });

  const boxWidth = Math.min(64, columns - 2);
  const notice = session.endedReason;
  return (
    <Box flexDirection="column" width={columns} height={Math.max(10, rows - 1)} alignItems="center" justifyContent="center">
      <Box flexDirection="column" borderStyle={theme.border} borderColor={theme.c('blue')} paddingX={2} paddingY={1} width={boxWidth}>
        <Text wrap="truncate">
          <Text bold color={theme.c('cyan')}>
            Calypso
          </Text>{' '}
          {options.version} <Text dimColor>{options.hostname}</Text>
          {options.hostKind === 'sim' ? (
            <Text bold backgroundColor={theme.c('yellow')} color={theme.c('black')} inverse={!theme.color}>
              {' SIMULATED '}
            </Text>
          ) : null}
        </Text>
        <Text dimColor wrap="truncate">
          Backup appliance console
        </Text>
        <Text> </Text>
        {options.generatedAdminPassword ? (
          <Box flexDirection="column" marginBottom={1}>
            <Text color={theme.c('yellow')} wrap="wrap">
              First start: the account admin was created with the password
            </Text>
            <Text bold>{options.generatedAdminPassword}</Text>
            <Text color={theme.c('yellow')} wrap="wrap">
              It is shown only this once. Change it under Users & Access (P).
            </Text>
          </Box>
        ) : null}
        {notice ? (
          <Text color={theme.c('yellow')} wrap="wrap">
            {notice}
          </Text>
        ) : null}
        {recovery ? <RecoveryPanel services={services} onClose={() => setRecovery(false)} /> : null}
        <Box display={recovery ? 'none' : 'flex'} flexDirection="column">
          <Box>
            <Text bold={field === 0}>{field === 0 ? theme.pointer : ' '} Username </Text>
            <TextField
              value={username}
              focus={field === 0 && !recovery}
              onChange={(v) => {
                if (!sending) {
                  setUsername(v);
                  setError(null);
                }
              }}
              onSubmit={(v) => {
                setUsername(v);
                setField(1);
              }}
            />
          </Box>
          <Box>
            <Text bold={field === 1}>{field === 1 ? theme.pointer : ' '} Password </Text>
            <TextField
              value={password}
              mask="*"
              focus={field === 1 && !recovery}
              onChange={(v) => {
                if (!sending) {
                  setPassword(v);
                  setError(null);
                }
              }}
              onSubmit={(v) => void submit(username, v)}
            />
          </Box>
          <Text> </Text>
          {error ? (
            <Text color={theme.c('red')} wrap="wrap">
              {error}
            </Text>
          ) : sending ? (
            <Text color={theme.c('yellow')} wrap="wrap">
              {failures >= 3 ? 'Logging in... (after failed attempts each try is delayed a few seconds)' : 'Logging in...'}
            </Text>
          ) : (
            <Text dimColor wrap="wrap">
              Enter log in Tab next field Ctrl-R reset a password Ctrl-C quit
            </Text>
          )}
        </Box>
      </Box>
    </Box>
  );
}
