import { router } from "../../trpc";
import { changePassword } from "./change-password";
import { devices } from "./devices";
import { acceptInvitation, declineInvitation, invitations } from "./invitations";
import { login } from "./login";
import { logout } from "./logout";
import { logoutAll } from "./logout-all";
import { me } from "./me";
import { refresh } from "./refresh";
import { register } from "./register";
import { requestPasswordReset } from "./request-password-reset";
import { resendVerification } from "./resend-verification";
import { resetPassword } from "./reset-password";
import { revokeDevice } from "./revoke-device";
import { updateProfile } from "./update-profile";
import { verifyEmail } from "./verify-email";

export const authRouter = router({
  register,
  login,
  refresh,
  logout,
  logoutAll,
  me,
  devices,
  revokeDevice,
  changePassword,
  updateProfile,
  verifyEmail,
  resendVerification,
  requestPasswordReset,
  resetPassword,
  invitations,
  acceptInvitation,
  declineInvitation,
});
