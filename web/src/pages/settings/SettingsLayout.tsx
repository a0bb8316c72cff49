import { Tabs } from '@mantine/core';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { PageHeader } from '../../components/PageHeader';
import { SETTINGS_TABS } from '../../navigation';
import { useCan } from '../../session';

/** Settings: one tab per sub-page; the tab follows the URL so each sub-page can be linked to. */
export function SettingsLayout() {
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const can = useCan();
  // The page at the current URL keeps its tab even when its link is hidden from this role.
  const current = SETTINGS_TABS.find((tab) => pathname.startsWith(`/settings/${tab.path}`))?.path ?? null;
  const tabs = SETTINGS_TABS.filter((tab) => !tab.permission || can(tab.permission) || tab.path === current);

  return (
    <>
      <PageHeader title="Settings" />
      <Tabs
        value={current}
        onChange={(value) => {
          if (value) void navigate(`/settings/${value}`);
        }}
        mb="lg"
      >
        <Tabs.List>
          {tabs.map((tab) => (
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
