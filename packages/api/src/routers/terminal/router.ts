import { router } from "../../trpc";
import { attachTerminal } from "./attach";
import { resizeTerminal, terminalInput } from "./input";
import { createTerminal, killTerminal, listTerminals, renameTerminal } from "./manage";

export const terminalRouter = router({
  attach: attachTerminal,
  input: terminalInput,
  resize: resizeTerminal,
  list: listTerminals,
  create: createTerminal,
  rename: renameTerminal,
  kill: killTerminal,
});
