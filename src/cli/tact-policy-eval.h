/* tact-policy-eval.h: the eval command of tact-policy (tact-policy-eval.c). */
#pragma once

int tact_policy_cmd_eval (int argc, char **argv);
