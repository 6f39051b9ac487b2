import type { Facts } from '../decide/facts';
import type { Consent, ExceptionRequest, Grant } from '../policy/consent';
import type { StudentFacts } from '../store/db';
import type { ManagedSettings } from './managed';

/** What the extension's database holds about one student. */
export interface OnFile {
  consents: Consent[];
  requests: ExceptionRequest[];
  grants: Grant[];
  student: StudentFacts | undefined;
}

/**
 * The facts decide() reads about a user and a student, apart from what the page or export asks for: the one
 * place they are put together, for a page's verdict and for the guard plan alike.
 */
export function recordFacts(
  time: Date,
  user: { username?: string | undefined; roleLabel?: string | undefined },
  managed: ManagedSettings,
  studentId: string,
  onFile: OnFile,
): Omit<Facts, 'action' | 'categories' | 'fields'> {
  const { student } = onFile;
  return {
    time: time.toISOString(),
    user: {
      ...(user.username ? { username: user.username } : {}),
      ...(user.roleLabel ? { roleLabel: user.roleLabel } : {}),
      ...(managed.role ? { managedRole: managed.role } : {}),
    },
    student: {
      id: studentId,
      ...(student?.birthDate ? { birthDate: student.birthDate } : {}),
      ...(student?.directoryOptOut !== undefined ? { directoryOptOut: student.directoryOptOut } : {}),
    },
    consents: onFile.consents,
    requests: onFile.requests,
    grants: onFile.grants,
  };
}
