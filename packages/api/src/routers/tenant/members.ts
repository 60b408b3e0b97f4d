import type { MemberWithUser } from "@hearth/db";
import { toMemberUserOutput } from "../../lib/outputs";
import { authedProcedure } from "../../trpc";

/** Everyone in the caller's tenant with their role. */
export const tenantMembers = authedProcedure.query(async ({ ctx }) => {
  const members: MemberWithUser[] = [];
  let cursor: string | null = null;
  do {
    const page = await ctx.repos.users.listMembersOfTenant(ctx.user.tenantId, {
      limit: 500,
      cursor,
    });
    members.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return members.map((m) => ({
    user: toMemberUserOutput(m.user),
    role: m.role,
    addedAt: m.addedAt,
  }));
});
