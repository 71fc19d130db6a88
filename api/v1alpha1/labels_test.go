package v1alpha1

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestLabelValue(t *testing.T) {
	cases := map[string]string{
		"Oracle Linux":                 "Oracle_Linux",
		"Ubuntu":                       "Ubuntu",
		"64":                           "64",
		"FusionCompute":                "FusionCompute",
		"":                             "",
		" -x86- ":                      "x86",
		"a/b:c":                        "a_b_c",
		"__lead":                       "lead",
		"CentOS 7.3 64bit":             "CentOS_7.3_64bit",
		strings.Repeat("a", 70):        strings.Repeat("a", 63),
		strings.Repeat("a", 62) + "-b": strings.Repeat("a", 62),
	}
	for in, want := range cases {
		got := LabelValue(in)
		if got != want {
			t.Errorf("LabelValue(%q) = %q, want %q", in, got, want)
		}
		if errs := validation.IsValidLabelValue(got); len(errs) > 0 {
			t.Errorf("LabelValue(%q) = %q is not a valid label value: %v", in, got, errs)
		}
	}
}

func TestQueryLabel(t *testing.T) {
	if got := QueryLabel("ubuntu-public"); got != "query.ims.imagecatalog.io/ubuntu-public" {
		t.Errorf("short name: got %q", got)
	}
	long := strings.Repeat("q", 70)
	other := strings.Repeat("q", 69) + "r"
	got := QueryLabel(long)
	if !strings.HasPrefix(got, QueryLabelPrefix+strings.Repeat("q", 54)+"-") || len(got)-len(QueryLabelPrefix) != 63 {
		t.Errorf("long name: got %q", got)
	}
	if got == QueryLabel(other) {
		t.Errorf("two long names that share a prefix got the same label %q", got)
	}
	for _, name := range []string{"a", strings.Repeat("x", 63), long} {
		if errs := validation.IsQualifiedName(QueryLabel(name)); len(errs) > 0 {
			t.Errorf("QueryLabel(%q) is not a valid label key: %v", name, errs)
		}
		if !IsQueryLabel(QueryLabel(name)) {
			t.Errorf("IsQueryLabel(QueryLabel(%q)) = false", name)
		}
	}
}
