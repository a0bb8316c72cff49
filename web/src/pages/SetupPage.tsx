import { Alert, Anchor, Button, Code, Loader, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { completeSetup, fetchMe, fetchSetupStatus } from '../api';
import { FormError } from '../components/FormError';
import { QueryError } from '../components/QueryError';
import { queryKeys } from '../query-keys';
import { AuthFrame } from './AuthFrame';

/** First run: the one-time link from `frontline start` creates the first administrator. */
export function SetupPage() {
  const [searchParams] = useSearchParams();
  const token = searchParams.get('token') ?? '';
  const status = useQuery({ queryKey: queryKeys.setupStatus, queryFn: fetchSetupStatus });

  return (
    <AuthFrame title="Set up Frontline" subtitle="Create the first administrator account.">
      {status.isPending ? (
        <Loader mx="auto" />
      ) : status.isError ? (
        <QueryError error={status.error} onRetry={() => void status.refetch()} />
      ) : !status.data.needsSetup ? (
        <SetupDone />
      ) : !token ? (
        <MissingToken />
      ) : (
        <SetupForm token={token} />
      )}
    </AuthFrame>
  );
}

function SetupDone() {
  return (
    <Alert color="blue" role="status" title="Already set up">
      An administrator already exists.{' '}
      <Anchor component={Link} to="/login">
        Sign in
      </Anchor>{' '}
      instead.
    </Alert>
  );
}

function MissingToken() {
  return (
    <Alert color="yellow" role="status" title="Setup link needed">
      Open the setup link printed by <Code>frontline start</Code> (it carries a one-time token), or run <Code>frontline admin create</Code>.
    </Alert>
  );
}

const MISMATCH = new Error('The two passwords differ.');

function SetupForm({ token }: { token: string }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [localError, setLocalError] = useState<Error | null>(null);

  const setup = useMutation({
    mutationFn: completeSetup,
    onSuccess: async () => {
      queryClient.setQueryData(queryKeys.setupStatus, { needsSetup: false });
      await queryClient.fetchQuery({ queryKey: queryKeys.me, queryFn: fetchMe, staleTime: 0 });
      void navigate('/inbox', { replace: true });
    },
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (password !== confirmation) {
      setLocalError(MISMATCH);
      return;
    }
    setLocalError(null);
    setup.mutate({ token, name: name.trim(), email: email.trim(), password });
  }

  return (
    <form onSubmit={handleSubmit}>
      <Stack>
        <TextInput
          name="name"
          label="Your name"
          autoComplete="name"
          required
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
        />
        <TextInput
          name="email"
          label="Email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(event) => setEmail(event.currentTarget.value)}
        />
        <PasswordInput
          name="password"
          label="Password"
          autoComplete="new-password"
          required
          value={password}
          onChange={(event) => setPassword(event.currentTarget.value)}
        />
        <PasswordInput
          name="passwordConfirmation"
          label="Repeat password"
          autoComplete="new-password"
          required
          value={confirmation}
          onChange={(event) => setConfirmation(event.currentTarget.value)}
        />
        <FormError error={localError ?? setup.error} />
        <Button type="submit" loading={setup.isPending} fullWidth>
          Create administrator
        </Button>
        <Text size="xs" c="dimmed">
          You will be signed in as this administrator.
        </Text>
      </Stack>
    </form>
  );
}
