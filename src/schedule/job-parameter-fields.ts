// The parameters a job's task type takes, for a form: their names from the task's own schema
// (src/schedule/params.ts) and, where a parameter becomes a field of the capability's request
// (JOB_TASKS' `fields`), that request field — whose schema gives its type, range and description.
import { z } from 'zod';
import type { TaskType } from '../history/job-records.js';
import type { OperationKind } from '../ops/types.js';
import { JOB_TASKS } from './job-tasks.js';
import { jobParameterShape } from './params.js';

export interface JobParameterField {
  /** The parameter's name in the job's `parameters`. */
  name: string;
  /** The capability whose request the job's runs make. */
  kind: OperationKind;
  /** The request field the parameter becomes, if it becomes one. */
  requestField?: string;
  /** The values the job takes, when its own schema is a list of them. */
  values?: readonly string[];
  /** The job schema's own description of it (else the request field's applies). */
  description?: string;
  required: boolean;
}

function unwrap(s: z.ZodType): z.ZodType {
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodType;
  return s;
}

/** The task type's parameters in the order its schema declares them. */
export function jobParameterFields(taskType: TaskType): JobParameterField[] {
  const task = JOB_TASKS[taskType];
  const requestFieldOf = new Map(Object.entries(task.fields).map(([request, job]) => [job, request]));
  const out: JobParameterField[] = [];
  for (const [name, schema] of Object.entries(jobParameterShape(taskType))) {
    // A parameter named as another parameter's request field is an alias of it (power's `operation` for `action`).
    if (task.fields[name] !== undefined && task.fields[name] !== `parameters.${name}`) continue;
    const inner = unwrap(schema);
    out.push({
      name,
      kind: task.kind,
      requestField: requestFieldOf.get(`parameters.${name}`),
      ...(inner instanceof z.ZodEnum ? { values: inner.options as string[] } : {}),
      ...(schema.description ? { description: schema.description } : {}),
      required: !schema.isOptional(),
    });
  }
  return out;
}
