// Dashboards (/dashboards/*), for roles that read reports: Operations today, Service standards,
// Team performance and Back office under one filter bar (kept in the URL), every figure opening
// the cases behind it in the drill-down drawer; and Scheduled reports, which sends them by email
// (it has its own filters per schedule, so no filter bar). Loaded on demand (React.lazy in App.tsx): the
// charting library stays out of the rest of the app's bundle.
import { Alert, Stack, Tabs } from '@mantine/core';
import { Navigate, Outlet, Route, Routes, useLocation, useNavigate } from 'react-router';
import { PageHeader } from '../../components/PageHeader';
import { DrillProvider } from '../../dashboards/drill';
import { FilterBar } from '../../dashboards/FilterBar';
import { useCan } from '../../session';
import { NotFoundPage } from '../NotFoundPage';
import { BackOfficeDashboard } from './BackOfficeDashboard';
import { OperationsDashboard } from './OperationsDashboard';
import { ScheduledReportsPage } from './ScheduledReportsPage';
import { ServiceStandardsDashboard } from './ServiceStandardsDashboard';
import { TeamPerformanceDashboard } from './TeamPerformanceDashboard';

const TABS = [
  { path: 'operations', label: 'Operations today' },
  { path: 'service-standards', label: 'Service standards' },
  { path: 'team-performance', label: 'Team performance' },
  { path: 'back-office', label: 'Back office' },
  { path: 'schedules', label: 'Scheduled reports' },
] as const;

export default function DashboardsArea() {
  const can = useCan();
  if (!can('reports.read')) {
    return (
      <>
        <PageHeader title="Dashboards" />
        <Alert color="gray">
          Dashboards are for roles that read reports: team leaders, managers, QA, workforce planners and executives.
        </Alert>
      </>
    );
  }
  return (
    <DrillProvider>
      <Routes>
        <Route element={<DashboardsLayout />}>
          <Route index element={<FirstTab />} />
          <Route path="operations" element={<OperationsDashboard />} />
          <Route path="service-standards" element={<ServiceStandardsDashboard />} />
          <Route path="team-performance" element={<TeamPerformanceDashboard />} />
          <Route path="back-office" element={<BackOfficeDashboard />} />
          <Route path="schedules" element={<ScheduledReportsPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </DrillProvider>
  );
}

function DashboardsLayout() {
  const navigate = useNavigate();
  const { pathname, search } = useLocation();
  const current = TABS.find((tab) => pathname.startsWith(`/dashboards/${tab.path}`))?.path ?? null;
  return (
    <Stack gap="lg">
      <div>
        <PageHeader
          title="Dashboards"
          description="How the operation is doing. Every figure and every point opens the exact cases behind it."
        />
        <Tabs value={current} onChange={(value) => value && void navigate({ pathname: `/dashboards/${value}`, search })}>
          <Tabs.List>
            {TABS.map((tab) => (
              <Tabs.Tab key={tab.path} value={tab.path}>
                {tab.label}
              </Tabs.Tab>
            ))}
          </Tabs.List>
        </Tabs>
      </div>
      {current !== 'schedules' && <FilterBar todayOnly={current === 'operations'} />}
      <Outlet />
    </Stack>
  );
}

/** /dashboards opens the first tab, keeping the filters of the link. */
function FirstTab() {
  const { search } = useLocation();
  return <Navigate to={{ pathname: `/dashboards/${TABS[0].path}`, search }} replace />;
}
