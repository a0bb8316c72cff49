// Changing a case from the UI: every change sends the version on screen; a 409 conflict means
// someone else changed the case first, so the page says so and reloads it.
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { ApiError } from '../api';
import type { CaseView, MessageView } from '../api-types';
import { addCaseMessage, applyMacro, setFollowing, updateCase, type CaseChanges } from '../case-api';
import { notifyError } from '../notify';
import { queryKeys } from '../query-keys';

export function isVersionConflict(error: unknown): boolean {
  return error instanceof ApiError && error.status === 409 && error.code === 'conflict';
}

/** Shows a failed case change; on a conflict reloads the case so the person sees what changed. */
export function handleCaseError(queryClient: QueryClient, caseId: string, error: unknown): void {
  if (isVersionConflict(error)) {
    notifications.show({
      color: 'orange',
      title: 'This case changed — reloaded',
      message: `Someone else changed it first (${(error as ApiError).message}). Check the current values and try again.`,
    });
    void queryClient.invalidateQueries({ queryKey: queryKeys.case(caseId) });
    return;
  }
  notifyError(error);
}

/** After a change this page made: the new case now, the rest of what depends on it refreshed. */
export function applyCaseResult(queryClient: QueryClient, updated: CaseView, message?: MessageView | null): void {
  queryClient.setQueryData(queryKeys.case(updated.id), updated);
  if (message) {
    queryClient.setQueryData<MessageView[]>(queryKeys.caseMessages(updated.id), (old) =>
      old && !old.some((m) => m.id === message.id) ? [...old, message] : old,
    );
  }
  void queryClient.invalidateQueries({ queryKey: queryKeys.caseMessages(updated.id) });
  void queryClient.invalidateQueries({ queryKey: queryKeys.caseEvents(updated.id) });
  void queryClient.invalidateQueries({ queryKey: queryKeys.caseSla(updated.id) });
  void queryClient.invalidateQueries({ queryKey: queryKeys.caseLists });
  void queryClient.invalidateQueries({ queryKey: queryKeys.views });
  void queryClient.invalidateQueries({ queryKey: queryKeys.customerTimeline(updated.requester.id) });
}

/** The version of the case as the page shows it right now. */
function versionOnScreen(queryClient: QueryClient, caseId: string): number {
  const current = queryClient.getQueryData<CaseView>(queryKeys.case(caseId));
  if (!current) throw new Error('The case is not loaded yet.');
  return current.version;
}

// Changes to one case run one after the other (same scope), each with the version the previous
// one produced, so quick successive edits do not conflict with themselves.
const scopeOf = (caseId: string) => ({ id: `case:${caseId}` });

export function useCaseUpdate(caseId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    scope: scopeOf(caseId),
    mutationFn: (changes: CaseChanges) => updateCase(caseId, versionOnScreen(queryClient, caseId), changes),
    onSuccess: (updated) => applyCaseResult(queryClient, updated),
    onError: (error) => handleCaseError(queryClient, caseId, error),
  });
}

export function useAddMessage(caseId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    scope: scopeOf(caseId),
    mutationFn: (input: Parameters<typeof addCaseMessage>[1]) => addCaseMessage(caseId, input),
    onSuccess: (result) => applyCaseResult(queryClient, result.case, result.message),
    onError: (error) => handleCaseError(queryClient, caseId, error),
  });
}

export function useApplyMacro(caseId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    scope: scopeOf(caseId),
    mutationFn: (macroId: string) => applyMacro(caseId, macroId, versionOnScreen(queryClient, caseId)),
    onSuccess: (result) => applyCaseResult(queryClient, result.case, result.message),
    onError: (error) => handleCaseError(queryClient, caseId, error),
  });
}

export function useFollow(caseId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    scope: scopeOf(caseId),
    mutationFn: (input: { userId: string; follow: boolean }) => setFollowing(caseId, input.userId, input.follow),
    onSuccess: (updated) => applyCaseResult(queryClient, updated),
    onError: (error) => handleCaseError(queryClient, caseId, error),
  });
}
