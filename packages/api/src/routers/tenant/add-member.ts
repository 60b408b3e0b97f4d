import { NotFoundError, ZRole } from "@hearth/db";
import { z } from "zod";
import { audit } from "../../lib/audit";
import { toMemberUserOutput } from "../../lib/outputs";
import { adminProcedure } from "../../trpc";
import { ZEmailInput } from "../auth/shared";
import { assertKeepsAnAdmin } from "./shared";

export const ZAddMemberInput = z.object({ email: ZEmailInput, role: ZRole });

/**
 * Adds an existing Hearth user to the tenant (or changes a member's role). The plan's
 * maxUsers counts members; reaching it is PRECONDITION_FAILED.
 */
export const addMember = adminProcedure.input(ZAddMemberInput).mutation(async ({ ctx, input }) => {
  const user = await ctx.repos.users.getByEmail(input.email);
  if (!user?.isActive) throw new NotFoundError("user with email", input.email);
  const existing = await ctx.repos.users.getMembership(ctx.user.tenantId, user.id);
  if (existing) await assertKeepsAnAdmin(ctx, user.id, existing.role, input.role);
  const membership = await ctx.repos.users.addMembership(ctx.user.tenantId, user.id, input.role, {
    now: ctx.now(),
  });
  await audit(ctx, {
    tenantId: ctx.user.tenantId,
    action: "tenant.member_added",
    actorUserId: ctx.user.id,
    detail: {
      userId: user.id,
      role: membership.role,
      ...(existing ? { previousRole: existing.role } : {}),
    },
  });
  return { user: toMemberUserOutput(user), role: membership.role, addedAt: membership.addedAt };
});
