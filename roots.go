package main

// The image has no operating system, so no CA certificates: this embeds Mozilla's roots, used
// only when the system has none, for HTTPS to IMS and IAM.
import _ "golang.org/x/crypto/x509roots/fallback"
