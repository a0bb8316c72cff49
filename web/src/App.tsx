// The route table. Signed-in routes sit under RequireSession and the AppLayout shell;
// /login, /setup and the customer portal (/portal) stand alone.
import { Loader } from '@mantine/core';
import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { AppLayout } from './components/AppLayout';
import { RequireSession } from './components/RequireSession';
import { SECTIONS, homePath } from './navigation';
import { LoginPage } from './pages/LoginPage';
import { CasePage } from './pages/cases/CasePage';
import { CustomerPage } from './pages/customers/CustomerPage';
import { CustomersPage } from './pages/customers/CustomersPage';
import { InboxPage } from './pages/inbox/InboxPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { PlaceholderPage } from './pages/PlaceholderPage';
import { ChannelsPage } from './pages/channels/ChannelsPage';
import { CoordinationPage } from './pages/requests/CoordinationPage';
import { RequestDetailPage } from './pages/requests/RequestDetailPage';
import { RequestsPage } from './pages/requests/RequestsPage';
import { SearchPage } from './pages/search/SearchPage';
import { SetupPage } from './pages/SetupPage';
import { PortalCasePage, PortalCasesPage, PortalCheckEmailPage, PortalLoginPage } from './portal/PortalPages';
import { DepartmentsPage, TeamsPage } from './pages/settings/GroupsPage';
import { ChannelSettingsLayout } from './pages/settings/ChannelSettingsLayout';
import { FormsPage } from './pages/settings/FormsPage';
import { MailboxesPage } from './pages/settings/MailboxesPage';
import { RolesPage } from './pages/settings/RolesPage';
import { SettingsLayout } from './pages/settings/SettingsLayout';
import { SlaSettingsPage } from './pages/settings/SlaSettingsPage';
import { TokensPage } from './pages/settings/TokensPage';
import { UsersPage } from './pages/settings/UsersPage';
import { useMe, useSession } from './session';

// Loaded on first visit: the dashboards carry the charting library, which nothing else needs.
const DashboardsArea = lazy(() => import('./pages/dashboards/DashboardsArea'));

export function App() {
  // Ask who we are as soon as the app loads, whatever the route, so the answer is ready.
  useSession();

  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/setup" element={<SetupPage />} />
      <Route path="/portal" element={<PortalCasesPage />} />
      <Route path="/portal/login" element={<PortalLoginPage />} />
      <Route path="/portal/check-email" element={<PortalCheckEmailPage />} />
      <Route path="/portal/cases/:id" element={<PortalCasePage />} />
      <Route element={<RequireSession />}>
        <Route element={<AppLayout />}>
          <Route index element={<HomeRedirect />} />
          <Route path="/inbox" element={<InboxPage />} />
          <Route path="/inbox/views/:viewId" element={<InboxPage />} />
          <Route path="/cases/:id" element={<CasePage />} />
          <Route path="/customers" element={<CustomersPage />} />
          <Route path="/customers/:id" element={<CustomerPage />} />
          <Route path="/search" element={<SearchPage />} />
          <Route
            path="/dashboards/*"
            element={
              <Suspense fallback={<Loader m="xl" />}>
                <DashboardsArea />
              </Suspense>
            }
          />
          <Route path="/channels" element={<ChannelsPage />} />
          <Route path="/requests" element={<RequestsPage />} />
          <Route path="/requests/coordination" element={<CoordinationPage />} />
          <Route path="/requests/:id" element={<RequestDetailPage />} />
          {SECTIONS.filter((section) => section.comingSoon).map((section) => (
            <Route
              key={section.path}
              path={section.path}
              element={<PlaceholderPage title={section.label} description={section.comingSoon ?? ''} />}
            />
          ))}
          <Route path="/settings" element={<SettingsLayout />}>
            <Route index element={<Navigate to="/settings/users" replace />} />
            <Route path="users" element={<UsersPage />} />
            <Route path="roles" element={<RolesPage />} />
            <Route path="teams" element={<TeamsPage />} />
            <Route path="departments" element={<DepartmentsPage />} />
            <Route path="sla" element={<SlaSettingsPage />} />
            <Route path="channels" element={<ChannelSettingsLayout />}>
              <Route index element={<Navigate to="/settings/channels/mailboxes" replace />} />
              <Route path="mailboxes" element={<MailboxesPage />} />
              <Route path="forms" element={<FormsPage />} />
            </Route>
            <Route path="tokens" element={<TokensPage />} />
          </Route>
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Route>
    </Routes>
  );
}

/** The landing page, which depends on the role (see homePath). */
function HomeRedirect() {
  const { user } = useMe();
  return <Navigate to={homePath(user.role)} replace />;
}
