import { Alert, Button, Code, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { fetchMe, fetchSetupStatus, login } from '../api';
import { FormError } from '../components/FormError';
import { queryKeys } from '../query-keys';
import { useSession } from '../session';
import { AuthFrame } from './AuthFrame';

/** Where to go after signing in: back to the page that sent us here, else the home page of the role. */
function useReturnPath(): string {
  const state = useLocation().state as { from?: unknown } | null;
  const from = typeof state?.from === 'string' ? state.from : '';
  return from.startsWith('/') && !from.startsWith('/login') ? from : '/';
}

export function LoginPage() {
  const session = useSession();
  const returnPath = useReturnPath();

  if (session.data) return <Navigate to={returnPath} replace />;
  return (
    <AuthFrame title="Sign in">
      <SetupNotice />
      <LoginForm returnPath={returnPath} />
    </AuthFrame>
  );
}

/** Until the first administrator exists nobody can sign in: say how to create one. */
function SetupNotice() {
  const status = useQuery({ queryKey: queryKeys.setupStatus, queryFn: fetchSetupStatus });
  if (!status.data?.needsSetup) return null;
  return (
    <Alert color="yellow" role="status" title="Setup needed">
      No administrator exists yet: use the setup link printed by <Code>frontline start</Code>, or run <Code>frontline admin create</Code>
    </Alert>
  );
}

function LoginForm({ returnPath }: { returnPath: string }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  const signIn = useMutation({
    mutationFn: login,
    onSuccess: async () => {
      // The login answer has no permissions list; /api/auth/me has, so load the session from it.
      await queryClient.fetchQuery({ queryKey: queryKeys.me, queryFn: fetchMe, staleTime: 0 });
      void navigate(returnPath, { replace: true });
    },
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    signIn.mutate({ email: email.trim(), password });
  }

  return (
    <form onSubmit={handleSubmit} noValidate>
      <Stack>
        <TextInput
          name="email"
          label="Email"
          type="email"
          autoComplete="username"
          required
          autoFocus
          value={email}
          onChange={(event) => setEmail(event.currentTarget.value)}
        />
        <PasswordInput
          name="password"
          label="Password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.currentTarget.value)}
        />
        <FormError error={signIn.error} />
        <Button type="submit" loading={signIn.isPending} fullWidth>
          Sign in
        </Button>
      </Stack>
    </form>
  );
}
