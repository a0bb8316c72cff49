import { AppShell, Badge, Burger, Button, Group, NavLink, Text, Title, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { logout } from '../api';
import { LiveUpdatesProvider, useLiveState } from '../live';
import { SECTIONS } from '../navigation';
import { queryKeys } from '../query-keys';
import { useRoleLabel } from '../roles';
import { useMe } from '../session';
import { HeaderSearch } from './HeaderSearch';
import { NotificationBell } from './NotificationBell';

/** The signed-in shell: header with notifications, the user and "Sign out", navbar with the sections. */
export function AppLayout() {
  const [navbarOpened, { toggle: toggleNavbar, close: closeNavbar }] = useDisclosure(false);

  return (
    <LiveUpdatesProvider>
      <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !navbarOpened } }} padding="lg">
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between" wrap="nowrap">
            <Group gap="sm" wrap="nowrap">
              <Burger opened={navbarOpened} onClick={toggleNavbar} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
              <Title order={3}>Frontline</Title>
            </Group>
            <HeaderSearch />
            <Group gap="sm" wrap="nowrap">
              <LiveIndicator />
              <NotificationBell />
              <CurrentUser />
            </Group>
          </Group>
        </AppShell.Header>

        <AppShell.Navbar p="xs" aria-label="Main navigation">
          <MainNavigation onNavigate={closeNavbar} />
        </AppShell.Navbar>

        <AppShell.Main>
          <Outlet />
        </AppShell.Main>
      </AppShell>
    </LiveUpdatesProvider>
  );
}

function MainNavigation({ onNavigate }: { onNavigate: () => void }) {
  const { pathname } = useLocation();
  const { user } = useMe();
  return (
    <>
      {SECTIONS.filter((section) => !section.roles || section.roles.includes(user.role)).map((section) => (
        <NavLink
          key={section.path}
          component={Link}
          to={section.path}
          label={section.label}
          active={pathname === section.path || pathname.startsWith(`${section.path}/`)}
          onClick={onNavigate}
        />
      ))}
    </>
  );
}

const LIVE_LABELS = {
  live: { color: 'teal', label: 'Live', tip: 'Lists and cases update as others change them.' },
  connecting: { color: 'yellow', label: 'Connecting', tip: 'Connecting to live updates…' },
  offline: { color: 'gray', label: 'Offline', tip: 'Live updates are unavailable; pages refresh every 30 seconds.' },
} as const;

function LiveIndicator() {
  const state = useLiveState();
  const info = LIVE_LABELS[state];
  return (
    <Tooltip label={info.tip}>
      <Badge variant="dot" color={info.color} data-testid="live-state" data-state={state} visibleFrom="md">
        {info.label}
      </Badge>
    </Tooltip>
  );
}

function CurrentUser() {
  const { user } = useMe();
  const labelOf = useRoleLabel();
  const signOut = useSignOut();

  return (
    <Group gap="sm" wrap="nowrap">
      <Text size="sm" fw={500} data-testid="current-user" truncate>
        {user.name}
      </Text>
      <Badge variant="light">{labelOf(user.role)}</Badge>
      <Button variant="default" size="xs" loading={signOut.isPending} onClick={() => signOut.mutate()}>
        Sign out
      </Button>
    </Group>
  );
}

function useSignOut() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: logout,
    // Signed out locally even if the server call failed (e.g. the session had already expired):
    // nothing of the previous user's data may stay cached for the next one.
    onSettled: () => {
      queryClient.setQueryData(queryKeys.me, null);
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== queryKeys.me[0] });
      void navigate('/login', { replace: true });
    },
  });
}
