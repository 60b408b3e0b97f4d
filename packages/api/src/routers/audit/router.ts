import { router } from "../../trpc";
import { listAuditEvents } from "./list";

export const auditRouter = router({ list: listAuditEvents });
