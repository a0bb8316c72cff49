// The customer portal: sign in by emailed link, the customer's cases, and one case's public
// conversation with a reply box. It stands apart from the staff shell and needs no staff session.
import { Alert, Anchor, Badge, Button, Card, Container, Group, Loader, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link, Navigate, useNavigate, useParams, useSearchParams } from 'react-router';
import { ApiError, describeError } from '../api';
import { AuthFrame } from '../pages/AuthFrame';
import { portalApi, portalKeys } from './portal-api';

function isSignedOut(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
}

/** `/portal/login`: the email form, or, with `?token=`, spends the token and goes to the cases. */
export function PortalLoginPage() {
  const [params] = useSearchParams();
  const token = params.get('token');
  return token ? <SpendToken token={token} /> : <RequestLink />;
}

function RequestLink() {
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const request = useMutation({ mutationFn: portalApi.requestLink, onSuccess: () => navigate('/portal/check-email') });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    request.mutate(email.trim());
  };
  return (
    <AuthFrame title="Your requests" subtitle="We will email you a link to sign in.">
      <form onSubmit={submit}>
        <Stack>
          <TextInput label="Email" name="email" type="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
          {request.error && <Alert color="red">{describeError(request.error)}</Alert>}
          <Button type="submit" loading={request.isPending}>
            Email me a link
          </Button>
        </Stack>
      </form>
    </AuthFrame>
  );
}

function SpendToken({ token }: { token: string }) {
  const navigate = useNavigate();
  const started = useRef(false);
  const session = useMutation({ mutationFn: portalApi.startSession, onSuccess: () => navigate('/portal', { replace: true }) });
  useEffect(() => {
    // Once only, even under StrictMode's double effects: the token works a single time.
    if (started.current) return;
    started.current = true;
    session.mutate(token);
  }, [session, token]);
  return (
    <AuthFrame title="Signing you in">
      {session.error ? (
        <Stack>
          <Alert color="red">{describeError(session.error)}</Alert>
          <Anchor component={Link} to="/portal/login">
            Ask for a new link
          </Anchor>
        </Stack>
      ) : (
        <Loader />
      )}
    </AuthFrame>
  );
}

export function PortalCheckEmailPage() {
  return (
    <AuthFrame title="Check your email">
      <Text>If that address belongs to one of our customers, a sign-in link is on its way. It works once, for 30 minutes.</Text>
      <Anchor component={Link} to="/portal/login">
        Use another address
      </Anchor>
    </AuthFrame>
  );
}

function PortalFrame({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const logout = useMutation({
    mutationFn: portalApi.logout,
    onSettled: () => {
      client.removeQueries({ queryKey: ['portal'] });
      navigate('/portal/login');
    },
  });
  return (
    <Container size="sm" py="xl">
      <Group justify="space-between" mb="lg">
        <Anchor component={Link} to="/portal" fw={700}>
          Your requests
        </Anchor>
        <Button variant="subtle" size="xs" onClick={() => logout.mutate()}>
          Sign out
        </Button>
      </Group>
      {children}
    </Container>
  );
}

function Problem({ error }: { error: unknown }) {
  if (isSignedOut(error)) return <Navigate to="/portal/login" replace />;
  return <Alert color="red">{describeError(error)}</Alert>;
}

export function PortalCasesPage() {
  const cases = useQuery({ queryKey: portalKeys.cases, queryFn: portalApi.cases });
  return (
    <PortalFrame>
      <Title order={2} mb="md">
        Your requests
      </Title>
      {cases.error ? (
        <Problem error={cases.error} />
      ) : !cases.data ? (
        <Loader />
      ) : cases.data.items.length === 0 ? (
        <Text c="dimmed">You have no requests yet.</Text>
      ) : (
        <Stack gap="sm">
          {cases.data.items.map((c) => (
            <Card key={c.id} withBorder component={Link} to={`/portal/cases/${c.id}`}>
              <Group justify="space-between">
                <Text fw={600}>
                  #{c.number} {c.subject}
                </Text>
                <Badge variant="light">{c.status.replace('_', ' ')}</Badge>
              </Group>
            </Card>
          ))}
        </Stack>
      )}
    </PortalFrame>
  );
}

export function PortalCasePage() {
  const { id = '' } = useParams();
  const client = useQueryClient();
  const navigate = useNavigate();
  const detail = useQuery({ queryKey: portalKeys.case(id), queryFn: () => portalApi.case(id) });
  const [body, setBody] = useState('');
  const reply = useMutation({
    mutationFn: (text: string) => portalApi.reply(id, text),
    onSuccess: async (result) => {
      setBody('');
      await client.invalidateQueries({ queryKey: ['portal'] });
      if (result.caseId !== id) navigate(`/portal/cases/${result.caseId}`);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (body.trim()) reply.mutate(body.trim());
  };
  if (detail.error)
    return (
      <PortalFrame>
        <Problem error={detail.error} />
      </PortalFrame>
    );
  if (!detail.data)
    return (
      <PortalFrame>
        <Loader />
      </PortalFrame>
    );
  const c = detail.data;
  return (
    <PortalFrame>
      <Group justify="space-between" mb="md">
        <Title order={2}>
          #{c.number} {c.subject}
        </Title>
        <Badge variant="light">{c.status.replace('_', ' ')}</Badge>
      </Group>
      <Stack gap="sm" mb="lg">
        {c.messages.map((m) => (
          <Card key={m.id} withBorder bg={m.from === 'you' ? undefined : 'var(--mantine-color-blue-light)'}>
            <Text size="xs" c="dimmed">
              {m.from === 'you' ? 'You' : (m.authorName ?? 'Support')} · {new Date(m.createdAt).toLocaleString()}
            </Text>
            <Text style={{ whiteSpace: 'pre-wrap' }}>{m.body}</Text>
          </Card>
        ))}
      </Stack>
      <form onSubmit={submit}>
        <Stack>
          <Textarea label="Your reply" name="reply" minRows={4} autosize value={body} onChange={(e) => setBody(e.currentTarget.value)} />
          {reply.error && <Alert color="red">{describeError(reply.error)}</Alert>}
          <Group>
            <Button type="submit" loading={reply.isPending} disabled={!body.trim()}>
              Send reply
            </Button>
          </Group>
        </Stack>
      </form>
    </PortalFrame>
  );
}
