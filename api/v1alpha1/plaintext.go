package v1alpha1

// PlainText is free text without control characters (C0, DEL, C1) or bidirectional text
// controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069): it can neither smuggle a line
// into a request or a log nor read differently from what IMS receives. Each field sets its bounds.
// +kubebuilder:validation:XValidation:rule=`!self.matches(r'[\p{Cc}\x{061c}\x{200e}\x{200f}\x{202a}-\x{202e}\x{2066}-\x{2069}]')`,message="must not contain control characters or bidirectional text controls"
type PlainText string
