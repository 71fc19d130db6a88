package main

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// writeObject writes o as a chart template: named with the release's prefix, in the release's
// namespace, with the chart's labels, and bound to the chart's ServiceAccount, after the
// source's comments. edit, when set, changes the escaped YAML before the placeholders become
// template expressions.
func writeObject(b *bytes.Buffer, o map[string]any, comments string, edit func(string) (string, error)) error {
	templatize(o)
	raw, err := yaml.Marshal(o)
	if err != nil {
		return err
	}
	text := escapeTemplates(string(raw))
	if edit != nil {
		if text, err = edit(text); err != nil {
			return err
		}
	}
	b.WriteString("---\n")
	b.WriteString(comments)
	b.WriteString(substitute(text))
	return nil
}

// templatize puts placeholders where the chart's names, namespace and labels go.
func templatize(o map[string]any) {
	meta, _ := o["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		o["metadata"] = meta
	}
	labels, _ := meta["labels"].(map[string]any)
	if labels == nil {
		labels = map[string]any{}
	}
	// The chart's own labels say which app and who manages it.
	delete(labels, "app.kubernetes.io/name")
	delete(labels, "app.kubernetes.io/managed-by")
	labels[phLabels] = ""
	meta["labels"] = labels

	switch name, _ := meta["name"].(string); {
	case o["kind"] == "CustomResourceDefinition":
		// CRD names are fixed by their group and plural.
		annotations, _ := meta["annotations"].(map[string]any)
		if annotations == nil {
			annotations = map[string]any{}
		}
		annotations[phKeep] = ""
		meta["annotations"] = annotations
	case o["kind"] == "ServiceAccount" && name == configSA:
		meta["name"] = phSA
	default:
		// config/prometheus names objects in full; the release's prefix replaces that.
		meta["name"] = phPrefix + "-" + strings.TrimPrefix(name, "ims-operator-")
	}
	if !clusterScoped[o["kind"].(string)] {
		meta["namespace"] = phNamespace
	}
	if spec, ok := o["spec"].(map[string]any); ok && o["kind"] == "ValidatingAdmissionPolicyBinding" {
		spec["policyName"] = phPrefix + "-" + spec["policyName"].(string)
	}
	namePolicyOperator(o)
	if ref, ok := o["roleRef"].(map[string]any); ok {
		ref["name"] = phPrefix + "-" + ref["name"].(string)
	}
	subjects, _ := o["subjects"].([]any)
	for _, s := range subjects {
		if s, ok := s.(map[string]any); ok && s["kind"] == "ServiceAccount" && s["name"] == configSA {
			s["name"], s["namespace"] = phSA, phNamespace
		}
	}
}

var clusterScoped = map[string]bool{"CustomResourceDefinition": true, "ClusterRole": true, "ClusterRoleBinding": true,
	"ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true}

// namePolicyOperator puts the chart's ServiceAccount where an admission policy's CEL names the
// manager ('system:serviceaccount:' + 'system' + ':' + 'controller-manager'), as
// config/default's replacements do for kustomize.
func namePolicyOperator(o map[string]any) {
	spec, _ := o["spec"].(map[string]any)
	vars, _ := spec["variables"].([]any)
	for _, v := range vars {
		v, _ := v.(map[string]any)
		expr, _ := v["expression"].(string)
		if strings.Contains(expr, "'system:serviceaccount:'") {
			expr = strings.Replace(expr, "'system'", "'"+phNamespace+"'", 1)
			v["expression"] = strings.Replace(expr, "'"+configSA+"'", "'"+phSA+"'", 1)
		}
	}
}

// escapeTemplates keeps "{{" and "}}" in the source (Prometheus alert templates) literal.
func escapeTemplates(s string) string {
	return strings.NewReplacer("{{", "{{`{{`}}", "}}", "{{`}}`}}").Replace(s)
}

var (
	labelsLine = regexp.MustCompile(`(?m)^( *)` + phLabels + `: ""$`)
	keepLine   = regexp.MustCompile(`(?m)^( *)` + phKeep + `: ""$`)
	// The manager's ClusterRole lists secrets with namespaces, in one rule: the chart drops
	// secrets from it for the keyless install (manager.credentials.secretRefs false) and when
	// Roles grant them in named namespaces only (manager.credentials.secretNamespaces).
	secretsLine = regexp.MustCompile(`(?m)^( *)- secrets$`)
)

// substitute turns the placeholders into template expressions.
func substitute(s string) string {
	s = labelsLine.ReplaceAllStringFunc(s, func(line string) string {
		indent := len(line) - len(strings.TrimLeft(line, " "))
		return fmt.Sprintf(`%s{{- include "ims-operator.labels" . | nindent %d }}`, line[:indent], indent)
	})
	s = keepLine.ReplaceAllString(s, "$1{{- if .Values.crds.keep }}\n${1}helm.sh/resource-policy: keep\n$1{{- end }}")
	s = secretsLine.ReplaceAllString(s, "$1{{- if and .Values.manager.credentials.secretRefs (not .Values.manager.credentials.secretNamespaces) }}\n$0\n$1{{- end }}")
	return strings.NewReplacer(
		phPrefix, `{{ include "ims-operator.fullname" . }}`,
		phNamespace, "{{ .Release.Namespace }}",
		phSA, `{{ include "ims-operator.serviceAccountName" . }}`,
	).Replace(s)
}
