// The bell in the header: the signed-in user's in-app notifications (SLA warnings and breaches on
// their cases), the unread count on it, the latest in a popover. Opening one marks it read.
import { ActionIcon, Anchor, Box, Button, Group, Indicator, Loader, Popover, ScrollArea, Stack, Text, UnstyledButton } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import type { AppNotification, NotificationList } from '../api-types';
import { notifyError } from '../notify';
import { queryKeys } from '../query-keys';
import { listNotifications, markAllNotificationsRead, markNotificationRead } from '../sla-api';
import { QueryError } from './QueryError';
import { RelativeTime } from './RelativeTime';

/** How often the bell asks for new notifications; live SLA alerts refresh it sooner. */
const POLL_MS = 30_000;

function BellIcon() {
  return (
    <svg
      width="20"
      height="20"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      aria-hidden="true"
    >
      <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}

/** Marks read at once on screen; the server's answer (or a refetch on failure) settles it. */
function useMarkRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string | null) => (id ? markNotificationRead(id) : markAllNotificationsRead()),
    onMutate: async (id) => {
      await queryClient.cancelQueries({ queryKey: queryKeys.notifications });
      const readAt = new Date().toISOString();
      queryClient.setQueryData<NotificationList>(queryKeys.notifications, (old) => {
        if (!old) return old;
        const items = old.items.map((n) => (n.readAt || (id !== null && n.id !== id) ? n : { ...n, readAt }));
        const newlyRead = old.items.filter((n) => !n.readAt && (id === null || n.id === id)).length;
        return { items, unread: Math.max(0, old.unread - newlyRead) };
      });
    },
    onError: (error) => notifyError(error, 'Could not mark the notification read'),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: queryKeys.notifications }),
  });
}

export function NotificationBell() {
  const [opened, setOpened] = useState(false);
  const notifications = useQuery({
    queryKey: queryKeys.notifications,
    queryFn: listNotifications,
    refetchInterval: POLL_MS,
    staleTime: 10_000,
  });
  const markRead = useMarkRead();
  const unread = notifications.data?.unread ?? 0;
  const label = unread > 0 ? `Notifications (${unread} unread)` : 'Notifications';

  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-end" width={380} shadow="md" withArrow>
      <Popover.Target>
        <Indicator
          label={unread}
          maxValue={99}
          disabled={unread === 0}
          size={18}
          color="red"
          offset={4}
          data-testid="notification-count"
          data-unread={unread}
        >
          <ActionIcon
            variant="subtle"
            color="gray"
            size="lg"
            aria-label={label}
            data-testid="notification-bell"
            onClick={() => setOpened((o) => !o)}
          >
            <BellIcon />
          </ActionIcon>
        </Indicator>
      </Popover.Target>
      <Popover.Dropdown p={0}>
        <Group justify="space-between" px="sm" py="xs" style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}>
          <Text fw={600} size="sm">
            Notifications
          </Text>
          <Button
            size="compact-xs"
            variant="subtle"
            disabled={unread === 0}
            loading={markRead.isPending && markRead.variables === null}
            onClick={() => markRead.mutate(null)}
          >
            Mark all read
          </Button>
        </Group>
        {notifications.isPending ? (
          <Box p="sm">
            <Loader size="sm" />
          </Box>
        ) : notifications.isError && !notifications.data ? (
          <Box p="sm">
            <QueryError error={notifications.error} onRetry={() => void notifications.refetch()} />
          </Box>
        ) : notifications.data.items.length === 0 ? (
          <Text size="sm" c="dimmed" p="sm">
            No notifications yet. Warnings and breaches of service standards on your cases will appear here.
          </Text>
        ) : (
          <ScrollArea.Autosize mah={420} type="auto">
            <Stack gap={0} data-testid="notification-list">
              {notifications.data.items.map((notification) => (
                <NotificationItem
                  key={notification.id}
                  notification={notification}
                  onOpen={() => {
                    if (!notification.readAt) markRead.mutate(notification.id);
                    if (notificationLink(notification)) setOpened(false);
                  }}
                />
              ))}
            </Stack>
          </ScrollArea.Autosize>
        )}
      </Popover.Dropdown>
    </Popover>
  );
}

/** Where a notification leads: its case, else the department request it is about. */
function notificationLink(notification: AppNotification): string | null {
  if (notification.caseId) return `/cases/${notification.caseId}`;
  const requestId = notification.data?.requestId;
  return typeof requestId === 'string' ? `/requests/${requestId}` : null;
}

function NotificationItem({ notification, onOpen }: { notification: AppNotification; onOpen: () => void }) {
  const unread = !notification.readAt;
  const link = notificationLink(notification);
  const body = (
    <Group gap="xs" wrap="nowrap" align="flex-start">
      <Box
        mt={6}
        w={8}
        h={8}
        style={{ flex: 'none', borderRadius: '50%', background: unread ? 'var(--mantine-color-blue-filled)' : 'transparent' }}
        aria-hidden="true"
      />
      <Stack gap={2} style={{ minWidth: 0 }}>
        <Text size="sm" fw={unread ? 600 : 400} c={link ? 'var(--mantine-color-anchor)' : undefined}>
          {notification.title}
        </Text>
        <RelativeTime iso={notification.createdAt} size="xs" c="dimmed" />
      </Stack>
    </Group>
  );
  const common = {
    onClick: onOpen,
    px: 'sm',
    py: 'xs',
    'data-testid': 'notification-item',
    'data-read': unread ? 'false' : 'true',
    'data-notification-id': notification.id,
    style: { display: 'block', borderBottom: '1px solid var(--mantine-color-default-border)' },
  } as const;

  return link ? (
    <Anchor component={Link} to={link} underline="never" c="inherit" {...common}>
      {body}
    </Anchor>
  ) : (
    <UnstyledButton {...common} aria-label={unread ? `Mark read: ${notification.title}` : notification.title}>
      {body}
    </UnstyledButton>
  );
}
