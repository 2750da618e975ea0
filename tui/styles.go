package tui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/progress"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// The palette. Adaptive colours keep text readable on light and dark
// terminals alike.
var (
	colorAccent = lipgloss.AdaptiveColor{Light: "#0B5CAD", Dark: "#5FAFFF"}
	colorMuted  = lipgloss.AdaptiveColor{Light: "#6C6C6C", Dark: "#8A8A8A"}
	colorGood   = lipgloss.AdaptiveColor{Light: "#1A7F37", Dark: "#56D364"}
	colorWarn   = lipgloss.AdaptiveColor{Light: "#9A6700", Dark: "#E3B341"}
	colorBad    = lipgloss.AdaptiveColor{Light: "#CF222E", Dark: "#FF7B72"}
	colorSelBg  = lipgloss.AdaptiveColor{Light: "#DDF4FF", Dark: "#1F3A5F"}
)

// Styles are every style the interface uses. No other file creates a
// lipgloss style, so the look can be changed here alone.
type Styles struct {
	App        lipgloss.Style // margin around everything
	Brand      lipgloss.Style // the program's name in the header
	HeaderInfo lipgloss.Style // domain and user in the header
	StepDone   lipgloss.Style // a finished step in the stepper
	StepActive lipgloss.Style // the current step in the stepper
	StepTodo   lipgloss.Style // a step still to come
	Rule       lipgloss.Style // the line under the header

	Title    lipgloss.Style // a step's heading
	Text     lipgloss.Style // body text
	Muted    lipgloss.Style // secondary text and hints
	Label    lipgloss.Style // a form field's label
	Focused  lipgloss.Style // the focused field's label or a chosen option
	Selected lipgloss.Style // the row under the cursor in a list
	Header   lipgloss.Style // column headings in a table

	Good lipgloss.Style // success
	Warn lipgloss.Style // warnings
	Bad  lipgloss.Style // errors

	ErrorBox lipgloss.Style // the box around a recoverable error

	// BarFull and BarEmpty colour the progress bars: the palette's accent
	// and muted grey, as this terminal's background wants them.
	BarFull, BarEmpty string
	// profile is the renderer's colour profile, which the progress bars
	// (drawn with termenv, not lipgloss) must also follow.
	profile termenv.Profile

	Help help.Styles
}

// DefaultStyles builds the styles for a renderer. Tests pass a renderer
// without colour so that golden files stay plain text.
func DefaultStyles(r *lipgloss.Renderer) *Styles {
	s := &Styles{}
	s.App = r.NewStyle().Padding(0, 1)
	s.Brand = r.NewStyle().Bold(true).Foreground(colorAccent)
	s.HeaderInfo = r.NewStyle().Foreground(colorMuted)
	s.StepDone = r.NewStyle().Foreground(colorGood)
	s.StepActive = r.NewStyle().Bold(true).Underline(true).Foreground(colorAccent)
	s.StepTodo = r.NewStyle().Foreground(colorMuted)
	s.Rule = r.NewStyle().Foreground(colorMuted)

	s.Title = r.NewStyle().Bold(true)
	s.Text = r.NewStyle()
	s.Muted = r.NewStyle().Foreground(colorMuted)
	s.Label = r.NewStyle()
	s.Focused = r.NewStyle().Bold(true).Foreground(colorAccent)
	s.Selected = r.NewStyle().Bold(true).Background(colorSelBg)
	s.Header = r.NewStyle().Bold(true).Foreground(colorMuted)

	s.Good = r.NewStyle().Foreground(colorGood)
	s.Warn = r.NewStyle().Foreground(colorWarn)
	s.Bad = r.NewStyle().Foreground(colorBad)

	s.ErrorBox = r.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(colorBad).Padding(0, 1)
	s.BarFull, s.BarEmpty = adaptive(r, colorAccent), adaptive(r, colorMuted)
	s.profile = r.ColorProfile()

	s.Help = help.Styles{
		ShortKey:       r.NewStyle().Foreground(colorAccent),
		ShortDesc:      r.NewStyle().Foreground(colorMuted),
		ShortSeparator: r.NewStyle().Foreground(colorMuted),
		Ellipsis:       r.NewStyle().Foreground(colorMuted),
		FullKey:        r.NewStyle().Foreground(colorAccent),
		FullDesc:       r.NewStyle().Foreground(colorMuted),
		FullSeparator:  r.NewStyle().Foreground(colorMuted),
	}
	return s
}

// adaptive picks c's colour for the renderer's background.
func adaptive(r *lipgloss.Renderer, c lipgloss.AdaptiveColor) string {
	if r.HasDarkBackground() {
		return c.Dark
	}
	return c.Light
}

// Bar is a progress bar in the palette's colours.
func (s *Styles) Bar(opts ...progress.Option) progress.Model {
	opts = append([]progress.Option{progress.WithSolidFill(s.BarFull), progress.WithColorProfile(s.profile)}, opts...)
	bar := progress.New(opts...)
	bar.EmptyColor = s.BarEmpty
	return bar
}
