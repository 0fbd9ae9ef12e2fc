package render

import "strings"

// ShiftCommands are the rota commands with which member changes a final
// shift: swap it, get cover, hand it back. member is a member id, or the
// placeholder MEMBER. Arguments are quoted for a POSIX shell where they
// need it, so a command can be pasted as it is.
func ShiftCommands(shift, member string) []string {
	sh, me := ShellArg(shift), member
	if member != "MEMBER" {
		me = ShellArg(member)
	}
	return []string{
		"rota swap --shift-a " + sh + " --member-a " + me + " --shift-b SHIFT --member-b MEMBER",
		"rota cover --shift " + sh + " --member " + me + " --by MEMBER",
		"rota leave-shift --shift " + sh + " --member " + me + " --reason TEXT",
	}
}

// ShellArg quotes s for a POSIX shell when it needs it.
func ShellArg(s string) string {
	if s != "" && strings.IndexFunc(s, func(c rune) bool {
		return !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.ContainsRune("-._/:@%+=,", c))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
