// placeholder replaced by the agent module
export {};
