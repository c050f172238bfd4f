package function

import (
	"sort"
	"strconv"
	"strings"
)

// reserved are the variables Lambda sets itself; a function's own
// Environment cannot change them.
var reserved = map[string]bool{
	"AWS_LAMBDA_RUNTIME_API": true, "_HANDLER": true, "LAMBDA_TASK_ROOT": true, "LAMBDA_RUNTIME_DIR": true,
	"AWS_LAMBDA_FUNCTION_NAME": true, "AWS_LAMBDA_FUNCTION_VERSION": true, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true,
	"AWS_REGION": true, "AWS_DEFAULT_REGION": true, "AWS_EXECUTION_ENV": true,
	"AWS_LAMBDA_LOG_GROUP_NAME": true, "AWS_LAMBDA_LOG_STREAM_NAME": true,
	"AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true,
	"AWS_LAMBDA_INITIALIZATION_TYPE": true, "_X_AMZN_TRACE_ID": true,
	"TZ": true, "PATH": true, "HOME": true, "TMPDIR": true,
}

// environ is a process's whole environment: nothing of tarn's own is
// inherited, so tarn's secrets stay out of reach.
func environ(spec Spec, apiAddr, runtimeDir, scratch, stream string) []string {
	env := map[string]string{
		// Defaults the function may change.
		"LANG":                    "en_US.UTF-8",
		"AWS_ENDPOINT_URL":        spec.Endpoint,
		"PYTHONUNBUFFERED":        "1",
		"NODE_PATH":               spec.CodeDir + "/node_modules",
		"LD_LIBRARY_PATH":         spec.CodeDir + "/lib",
		"PYTHONDONTWRITEBYTECODE": "1",
	}
	if spec.Endpoint == "" {
		delete(env, "AWS_ENDPOINT_URL")
	}
	for k, v := range spec.Env {
		if !reserved[k] {
			env[k] = v
		}
	}
	set := map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          apiAddr,
		"_HANDLER":                        spec.Handler,
		"LAMBDA_TASK_ROOT":                spec.CodeDir,
		"LAMBDA_RUNTIME_DIR":              runtimeDir,
		"AWS_LAMBDA_FUNCTION_NAME":        spec.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     spec.Version,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(spec.MemoryMB),
		"AWS_REGION":                      spec.Region,
		"AWS_DEFAULT_REGION":              spec.Region,
		"AWS_EXECUTION_ENV":               "AWS_Lambda_" + spec.Runtime,
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + spec.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      stream,
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_ACCESS_KEY_ID":               spec.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":           spec.SecretAccessKey,
		"AWS_SESSION_TOKEN":               spec.SessionToken,
		"TZ":                              ":UTC",
		"PATH":                            "/usr/local/bin:/usr/bin:/bin",
		"HOME":                            scratch,
		"TMPDIR":                          scratch,
	}
	for k, v := range set {
		if v != "" || k == "AWS_LAMBDA_RUNTIME_API" {
			env[k] = v
		}
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		if k == "" || strings.ContainsAny(k, "=\x00") || strings.Contains(v, "\x00") {
			continue // exec would refuse the whole environment
		}
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
