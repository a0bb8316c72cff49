// Settings → Channels: one sub-tab per kind of channel customers reach us through (mailboxes, web
// forms); the sub-tab follows the URL so each can be linked to.
import { Tabs } from '@mantine/core';
import { Outlet, useLocation, useNavigate } from 'react-router';

const CHANNEL_TABS = [
  { path: 'mailboxes', label: 'Mailboxes' },
  { path: 'forms', label: 'Web forms' },
] as const;

export function ChannelSettingsLayout() {
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const current = CHANNEL_TABS.find((tab) => pathname.startsWith(`/settings/channels/${tab.path}`))?.path ?? null;
  return (
    <>
      <Tabs
        variant="pills"
        value={current}
        onChange={(value) => {
          if (value) void navigate(`/settings/channels/${value}`);
        }}
        mb="md"
      >
        <Tabs.List aria-label="Channels">
          {CHANNEL_TABS.map((tab) => (
            <Tabs.Tab key={tab.path} value={tab.path}>
              {tab.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
      <Outlet />
    </>
  );
}
