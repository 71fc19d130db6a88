package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
)

// ageThreshold is the latest-image age of config/prometheus/rules.yaml's alert, in days times
// seconds per day; the chart makes the days prometheusRule.latestImageMaxAgeDays.
const ageThreshold = "> 90 * 86400"

// prometheusRule is config/prometheus/rules.yaml as a chart template.
func prometheusRule(root string) ([]byte, error) {
	src := filepath.Join("config", "prometheus", "rules.yaml")
	objs, comments, err := readObjects(filepath.Join(root, src))
	if err != nil {
		return nil, err
	}
	if len(objs) != 1 {
		return nil, fmt.Errorf("%s: want one PrometheusRule, found %d objects", src, len(objs))
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, header, src)
	b.WriteString("{{- if .Values.prometheusRule.enable }}\n")
	err = writeObject(&b, objs[0], comments, func(text string) (string, error) {
		if n := strings.Count(text, ageThreshold); n != 1 {
			return "", fmt.Errorf("%s: %q occurs %d times, want once (the latest-image age alert)", src, ageThreshold, n)
		}
		text = strings.Replace(text, ageThreshold, "> {{ .Values.prometheusRule.latestImageMaxAgeDays }} * 86400", 1)
		// Extra labels, e.g. the one a Prometheus' ruleSelector matches.
		return strings.Replace(text, phLabels+`: ""`, phLabels+`: ""`+"\n    {{- with .Values.prometheusRule.labels }}\n    {{- toYaml . | nindent 4 }}\n    {{- end }}", 1), nil
	})
	if err != nil {
		return nil, err
	}
	b.WriteString("{{- end }}\n")
	return b.Bytes(), nil
}
