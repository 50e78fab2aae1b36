/**
 * The environment variable through which a worker gives the training processes it forks its pid
 * (they inherit its environment): a process whose parent is no longer this pid has been orphaned.
 */
export const TRAINER_PID_ENV = 'TRAINER_PID';
