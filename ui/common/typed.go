package common

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
)

// DialogMinWidth is the narrowest terminal, in columns, a dialog that acts (redeploy,
// accept) can be confirmed on: narrower, its lines wrap into more rows than most terminals
// have. Both dialogs state it the same way ("make the terminal at least WxH").
const DialogMinWidth = 60

// NewTypedField is the field a destructive dialog's confirmation is typed into (the
// instance id, a batch's count): one look in every dialog, styled from the session's
// renderer, with a static cursor and a placeholder, since without colour an empty field is
// invisible.
func NewTypedField(st *Styles) textinput.Model {
	ti := textinput.New()
	ti.Prompt = "  "
	ti.Cursor.SetMode(cursor.CursorStatic)
	ns := st.R.NewStyle
	ti.PromptStyle, ti.TextStyle, ti.PlaceholderStyle, ti.CompletionStyle = ns(), ns(), ns(), ns()
	ti.Cursor.Style, ti.Cursor.TextStyle = ns().Reverse(true), ns()
	ti.CharLimit = 64
	ti.Placeholder = "(type it here)"
	return ti
}

// TypedMatches reports whether what was typed into a NewTypedField arms a dialog that
// wants want: the same words, however spaced.
func TypedMatches(typed, want string) bool {
	return strings.Join(strings.Fields(typed), " ") == want
}
