package wizard

// Test helpers for the tests of package wizard_test (in this folder),
// which may import the sub-packages, as this package's own tests may not.
var (
	CheckExplained = checkExplained
	NewSecret      = newSecret
)
