import { router } from "../../trpc";
import { fsDelete } from "./delete";
import { fsList } from "./list";
import { fsMkdir } from "./mkdir";
import { fsOpened } from "./opened";
import { fsRead } from "./read";
import { fsRecent } from "./recent";
import { fsRename } from "./rename";
import { fsSearch } from "./search";
import { fsStat } from "./stat";
import { fsWrite } from "./write";

export const fsRouter = router({
  list: fsList,
  read: fsRead,
  write: fsWrite,
  mkdir: fsMkdir,
  rename: fsRename,
  delete: fsDelete,
  stat: fsStat,
  search: fsSearch,
  opened: fsOpened,
  recent: fsRecent,
});
